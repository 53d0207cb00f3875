//! Words as Python's rule language splits them (`transforms/rulelang/words.py`), compiled: runs of `\w`
//! characters as Python's `re` defines them, joined across an apostrophe (' or ’) that has word characters
//! on both sides, a trailing possessive 's dropped, and, when asked, every Han, kana and Hangul character a
//! word of its own. Case folding is `str.casefold`'s. Both read tables generated from Python's own Unicode
//! database (`unicode.rs`, by `gen_unicode.py`), so the answers are Python's to the code point; tests
//! compare them on arbitrary text.

use std::cmp::Ordering;

use crate::unicode::{FOLD, WORD};

/// Whether Python's `re` matches `c` with `\w` (`str.isalnum()` or an underscore).
#[inline]
pub fn is_word(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    WORD.binary_search_by(|&(a, b)| if b < u { Ordering::Less } else if a > u { Ordering::Greater } else { Ordering::Equal })
        .is_ok()
}

/// Han, hiragana, katakana and Hangul: written without spaces, each character is a word (words.UNSPACED).
#[inline]
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x31f0..=0x31ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff
        | 0xff66..=0xff9f | 0xac00..=0xd7af | 0x1100..=0x11ff | 0x3130..=0x318f)
}

#[inline]
fn is_quote(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Appends `str.casefold(word)` to `out`.
#[inline]
pub fn fold_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
        return;
    }
    for c in word.chars() {
        if (c as u32) < 0x80 {
            out.push(c.to_ascii_lowercase());
        } else {
            match FOLD.binary_search_by_key(&(c as u32), |&(k, _)| k) {
                Ok(i) => out.push_str(FOLD[i].1),
                Err(_) => out.push(c),
            }
        }
    }
}

/// One word: where it is in its text, in bytes and in characters (Python's string offsets).
#[derive(Clone, Copy, Debug, Default)]
pub struct Word {
    pub byte_start: u32,
    pub byte_end: u32,
    pub start: u32,
    pub end: u32,
}

/// The character at byte `i` of `text`, if any.
#[inline]
fn at(text: &str, i: usize) -> Option<char> {
    let b = *text.as_bytes().get(i)?;
    if b < 0x80 { Some(b as char) } else { text[i..].chars().next() }
}

/// At byte `j`: an s or S that ends a word (`[sS]\b`) and is not followed by an apostrophe and a word
/// character: the possessive that the split drops.
#[inline]
fn possessive_at(text: &str, j: usize) -> bool {
    if !matches!(at(text, j), Some('s' | 'S')) {
        return false;
    }
    match at(text, j + 1) {
        None => true,
        Some(c) if is_word(c) => false,
        Some(q) if is_quote(q) => !matches!(at(text, j + 1 + q.len_utf8()), Some(w) if is_word(w)),
        Some(_) => true,
    }
}

/// Past the run of word characters starting at byte `i` (char index `ci`): (byte, char) where it ends.
#[inline]
fn run_end(text: &str, mut i: usize, mut ci: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if !(b.is_ascii_alphanumeric() || b == b'_') {
                break;
            }
            i += 1;
        } else {
            let c = text[i..].chars().next().unwrap();
            if !is_word(c) {
                break;
            }
            i += c.len_utf8();
        }
        ci += 1;
    }
    (i, ci)
}

/// Room for the words of `text` in one allocation, most of the time (a word and its gap take some five bytes
/// in prose): a capacity hint only.
#[inline]
pub fn words_in(text: &str) -> usize {
    text.len() / 5 + 4
}

/// Which bytes are word characters in ASCII text (`is_word` of the byte as a character).
const ASCII_WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// The words of `text` (`words.split` with `pieces`, the regex `tokens.Words` uses without), appended to
/// `out`.
pub fn split(text: &str, pieces: bool, out: &mut Vec<Word>) {
    if text.is_ascii() {
        // no unspaced characters to cut (pieces), no curly apostrophe, a byte a character
        return split_ascii(text.as_bytes(), out);
    }
    let bytes = text.as_bytes();
    let (mut i, mut ci) = (0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        let c = if b < 0x80 { b as char } else { text[i..].chars().next().unwrap() };
        if !is_word(c) {
            i += c.len_utf8();
            ci += 1;
            continue;
        }
        let (b0, c0) = (i, ci);
        (i, ci) = run_end(text, i, ci);
        let (b1, c1);
        loop {
            // At the end of a run: an apostrophe joins the next run, unless it starts a possessive 's.
            match at(text, i) {
                Some(q) if is_quote(q) => {
                    let j = i + q.len_utf8();
                    if possessive_at(text, j) {
                        (b1, c1) = (i, ci);
                        (i, ci) = (j + 1, ci + 2);
                        break;
                    }
                    match at(text, j) {
                        Some(w) if is_word(w) => (i, ci) = run_end(text, j, ci + 1),
                        _ => {
                            (b1, c1) = (i, ci);
                            break;
                        }
                    }
                }
                _ => {
                    (b1, c1) = (i, ci);
                    break;
                }
            }
        }
        let word = Word { byte_start: b0 as u32, byte_end: b1 as u32, start: c0 as u32, end: c1 as u32 };
        if pieces && !text[b0..b1].is_ascii() {
            split_pieces(text, word, out);
        } else {
            out.push(word);
        }
    }
}

/// One bit a byte of ASCII text, set where the byte is a word character: the runs of word characters are
/// found from these words' bits (a count of trailing zeros a run's start or end) rather than by a branch
/// on every byte, which prose, switching between words and gaps every few bytes, mispredicts often.
struct WordBits {
    bits: Vec<u64>,
    len: usize,
}

impl WordBits {
    fn of(bytes: &[u8]) -> Self {
        let bits = bytes
            .chunks(64)
            .map(|chunk| chunk.iter().enumerate().fold(0u64, |m, (k, &b)| m | (ASCII_WORD[b as usize] as u64) << k))
            .collect();
        WordBits { bits, len: bytes.len() }
    }

    /// The first byte at or after `from` whose bit is `set` (a word character or not), or the text's length.
    #[inline]
    fn next(&self, from: usize, set: bool) -> usize {
        let mut k = from / 64;
        if k >= self.bits.len() {
            return self.len;
        }
        let flip = if set { 0 } else { !0u64 };
        let mut m = (self.bits[k] ^ flip) & (!0u64 << (from % 64));
        loop {
            if m != 0 {
                return (k * 64 + m.trailing_zeros() as usize).min(self.len);
            }
            k += 1;
            if k >= self.bits.len() {
                return self.len;
            }
            m = self.bits[k] ^ flip;
        }
    }
}

/// `split` of ASCII text: the same words (byte and character offsets coincide).
fn split_ascii(bytes: &[u8], out: &mut Vec<Word>) {
    let n = bytes.len();
    let word = |i: usize| i < n && ASCII_WORD[bytes[i] as usize];
    // at byte j: an s or S ending a word and not followed by an apostrophe and a word character
    let possessive = |j: usize| {
        j < n && (bytes[j] == b's' || bytes[j] == b'S') && !word(j + 1) && !(j + 1 < n && bytes[j + 1] == b'\'' && word(j + 2))
    };
    let bits = WordBits::of(bytes);
    let mut i = 0;
    loop {
        let b0 = bits.next(i, true);
        if b0 >= n {
            return;
        }
        let mut end = bits.next(b0, false);
        let b1;
        loop {
            // at the end of a run: an apostrophe joins the next run, unless it starts a possessive 's
            if end < n && bytes[end] == b'\'' {
                if possessive(end + 1) {
                    (b1, i) = (end, end + 2);
                    break;
                }
                if word(end + 1) {
                    end = bits.next(end + 1, false);
                    continue;
                }
            }
            (b1, i) = (end, end);
            break;
        }
        out.push(Word { byte_start: b0 as u32, byte_end: b1 as u32, start: b0 as u32, end: b1 as u32 });
    }
}

/// A word cut into its unspaced characters, each a word, and the runs of other characters between them.
fn split_pieces(text: &str, word: Word, out: &mut Vec<Word>) {
    let mut run: Option<Word> = None;
    let (mut bi, mut ci) = (word.byte_start, word.start);
    for c in text[word.byte_start as usize..word.byte_end as usize].chars() {
        let n = c.len_utf8() as u32;
        if is_unspaced(c) {
            out.extend(run.take());
            out.push(Word { byte_start: bi, byte_end: bi + n, start: ci, end: ci + 1 });
        } else {
            let r = run.get_or_insert(Word { byte_start: bi, byte_end: bi, start: ci, end: ci });
            r.byte_end = bi + n;
            r.end = ci + 1;
        }
        bi += n;
        ci += 1;
    }
    out.extend(run);
}
