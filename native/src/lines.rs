//! Per-story text checks of `transforms.normalize` and `transforms.geotag`, compiled for ASCII text (the
//! Python code stays the reference; tests/transforms/test_lines_native.py compares the two):
//!
//! - `ProseLines.to_read`: which lines of a story's text the furniture classifiers must look at. Every
//!   other line is one no classifier can take (`furniture.python_lines_to_read`), which
//!   `normalize._strip_furniture` keeps as it is (most lines of a story). `ProseLines.read` tells beside
//!   them whether the text may hold a self-description at all (`furniture.may_self_describe`).
//! - `EnglishCheck.plainly`: `language._plainly_english` of an ASCII sample, from the sample itself (no
//!   lower-cased copy and no list of words made in Python).
//! - `HintLook.holds`: `furniture._holds_a_hint` (whether a text may hold a trailer or photo credit).
//! - `sentence_ends`: the ends of `geotag._SENTENCE_END`'s matches (`geotag._listed`'s sentences).

use memchr::memmem;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

fn lower_ascii(items: Vec<String>, what: &str) -> PyResult<Vec<Box<[u8]>>> {
    items
        .into_iter()
        .map(|s| {
            if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) && !s.is_empty() {
                Ok(s.into_bytes().into_boxed_slice())
            } else {
                Err(PyValueError::new_err(format!("{what}: lower-case ASCII, not empty: {s:?}")))
            }
        })
        .collect()
}

#[pyclass(frozen, module = "wirewatch_native")]
pub struct ProseLines {
    /// How furniture lines open, lower-cased (`furniture._FURNITURE_OPENINGS`), by their first byte.
    openings: Vec<Vec<Box<[u8]>>>,
    /// The ASCII characters no furniture line opens with (after its spaces) besides letters and digits
    /// (`furniture._NEVER_OPENS`).
    never_opens: [bool; 128],
    /// A prose line is longer than this once its end is stripped (`furniture._LONGEST_AGENCY`).
    longest: usize,
    /// What `agency` strips off a line's ends (`furniture._AGENCY_STRIP`), as a table.
    strip: [bool; 128],
    /// What a self-description must hold one of, lower-cased (`furniture._SELF_DESCRIPTION_WORDS`).
    words: Vec<memmem::Finder<'static>>,
    /// The agencies' names, lower-cased (`furniture.AGENCIES`' keys).
    agencies: FxHashSet<Box<[u8]>>,
    /// The characters past ASCII a furniture line may open with, after its spaces
    /// (`furniture._MAY_OPEN_PAST_ASCII`).
    may_open: FxHashSet<char>,
    /// The characters past ASCII that IGNORECASE takes for an ASCII letter, and that letter
    /// (`furniture._FOLDS_TO_ASCII`).
    folds: FxHashMap<char, u8>,
    /// The longest opening, in bytes.
    longest_opening: usize,
}

/// What stands for a character past ASCII that folds to no ASCII letter (no opening or word holds it).
const NO_LETTER: u8 = 0xff;

fn ascii_table(chars: &str, what: &str) -> PyResult<[bool; 128]> {
    let mut table = [false; 128];
    for b in chars.bytes() {
        if b >= 128 {
            return Err(PyValueError::new_err(format!("{what}: ASCII only")));
        }
        table[b as usize] = true;
    }
    Ok(table)
}

#[pymethods]
impl ProseLines {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(openings: Vec<String>, never_opens: String, longest: usize, strip: String, words: Vec<String>,
           agencies: Vec<String>, may_open: String, folds: Vec<(char, char)>) -> PyResult<Self> {
        let mut by_first = vec![Vec::new(); 128];
        let mut longest_opening = 0;
        for opening in lower_ascii(openings, "openings")? {
            longest_opening = longest_opening.max(opening.len());
            by_first[opening[0] as usize].push(opening);
        }
        let folds = folds
            .into_iter()
            .map(|(from, to)| {
                if !from.is_ascii() && to.is_ascii_lowercase() {
                    Ok((from, to as u8))
                } else {
                    Err(PyValueError::new_err("folds: (a character past ASCII, a lower-case ASCII letter)"))
                }
            })
            .collect::<PyResult<_>>()?;
        let words = lower_ascii(words, "words")?
            .into_iter()
            .map(|w| memmem::Finder::new(&w[..]).into_owned())
            .collect();
        let agencies = lower_ascii(agencies, "agencies")?.into_iter().collect();
        Ok(ProseLines {
            openings: by_first,
            never_opens: ascii_table(&never_opens, "never_opens")?,
            longest,
            strip: ascii_table(&strip, "strip")?,
            words,
            agencies,
            may_open: may_open.chars().filter(|c| !c.is_ascii()).collect(),
            folds,
            longest_opening,
        })
    }

    /// The indices of the lines of `text` (`text.split("\n")`) the classifiers must look at, in order: each
    /// line but those holding none of `words` once folded (ASCII lower-cased, `folds` applied) that open
    /// (after their spaces) with a digit, one of `never_opens`, an ASCII letter otherwise than any furniture
    /// opening (folded), or a character past ASCII not in `may_open`, and are no agency's name: ASCII and
    /// longer than `longest` once `strip`'s characters are taken off their end, or not in `agencies`
    /// lower-cased; past ASCII, longer than `longest` characters so (``furniture.python_lines_to_read``).
    fn to_read(&self, text: &str) -> Vec<usize> {
        self.sort(text).0
    }

    /// `(to_read(text), described)`: `described` is False where `text` is ASCII and holds none of `words`
    /// lower-cased (`furniture.may_self_describe`), True otherwise.
    fn read(&self, text: &str) -> (Vec<usize>, bool) {
        self.sort(text) // (a few microseconds: not worth giving the interpreter lock away and back)
    }
}

impl ProseLines {
    fn sort(&self, text: &str) -> (Vec<usize>, bool) {
        let bytes = text.as_bytes();
        // Where the words are, in the text lower-cased (ASCII letters only: no word holds a byte past ASCII, so
        // none is found across one; a line past ASCII is also looked at folded). One look at the whole text
        // instead of one at each line: most texts hold none.
        let mut held = Vec::new();
        if !self.words.is_empty() {
            let low = bytes.to_ascii_lowercase();
            for word in &self.words {
                held.extend(word.find_iter(&low));
            }
            held.sort_unstable();
        }
        let ascii = bytes.is_ascii();
        let described = !ascii || !held.is_empty();
        let mut out = Vec::new();
        let mut low = Vec::new();
        let mut next_held = 0usize;
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        let mut start = 0usize;
        for (at, end) in ends.enumerate() {
            let line = &bytes[start..end];
            // the words found in this line (none spans a line break: no word holds one)
            let mut holds = false;
            while next_held < held.len() && held[next_held] < end {
                holds = true;
                next_held += 1;
            }
            if holds || !self.plain(line, ascii || line.is_ascii(), &mut low) {
                out.push(at);
            }
            start = end + 1;
        }
        (out, described)
    }

    /// Whether `line` (`ascii`: all ASCII) opens as no furniture line does, is no agency's name and, past
    /// ASCII, holds no word folded (an ASCII line's words are found in the whole text).
    fn plain(&self, line: &[u8], ascii: bool, low: &mut Vec<u8>) -> bool {
        let start = line.iter().position(|&b| b != b' ').unwrap_or(line.len());
        let opened = &line[start..];
        // (the lines are split at a line break, an ASCII byte: each is UTF-8 as the text is)
        let text = match ascii {
            true => None,
            false => match std::str::from_utf8(opened) {
                Ok(text) => Some(text),
                Err(_) => return false,
            },
        };
        match opened.first() {
            Some(b) if b.is_ascii() && (b.is_ascii_digit() || self.never_opens[*b as usize]) => {}
            Some(b) if b.is_ascii_alphabetic() && !self.opens_as_furniture(opened, text, low) => {}
            Some(b) if !b.is_ascii() => match text.and_then(|t| t.chars().next()) {
                Some(c) if !self.may_open.contains(&c) => {}
                _ => return false,
            },
            _ => return false,
        }
        let end = opened.iter().rposition(|&b| !b.is_ascii() || !self.strip[b as usize]).map_or(0, |i| i + 1);
        let Some(text) = text else {
            if end <= self.longest {
                low.clear();
                low.extend(opened[..end].iter().map(|b| b.to_ascii_lowercase()));
                if self.agencies.contains(&low[..]) {
                    return false;
                }
            }
            return true;
        };
        // past ASCII: case folding may make a short name of it; a long one is none
        if text[..end].chars().count() <= self.longest {
            return false;
        }
        self.fold(text, usize::MAX, low);
        !self.words.iter().any(|w| w.find(low).is_some())
    }

    /// `text` folded, up to `limit` characters: ASCII lower-cased, `folds` applied, one `NO_LETTER` for any
    /// other character (`furniture._folded`).
    fn fold(&self, text: &str, limit: usize, out: &mut Vec<u8>) {
        out.clear();
        out.extend(text.chars().take(limit).map(|c| {
            if c.is_ascii() {
                (c as u8).to_ascii_lowercase()
            } else {
                self.folds.get(&c).copied().unwrap_or(NO_LETTER)
            }
        }));
    }

    /// Whether `line` (opening with an ASCII letter; `text`: the line where it is not all ASCII) opens,
    /// folded, with one of the furniture openings.
    fn opens_as_furniture(&self, line: &[u8], text: Option<&str>, low: &mut Vec<u8>) -> bool {
        let line = match text {
            None => line,
            Some(text) => {
                self.fold(text, self.longest_opening, low);
                &low[..]
            }
        };
        self.openings[line[0].to_ascii_lowercase() as usize]
            .iter()
            .any(|o| line.len() >= o.len() && line[..o.len()].eq_ignore_ascii_case(o))
    }
}

/// Python's `str.split()` separators among ASCII characters (`str.isspace`).
fn ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f)
}

#[pyclass(frozen, module = "wirewatch_native")]
pub struct EnglishCheck {
    english: FxHashSet<Box<[u8]>>,
    others: FxHashSet<Box<[u8]>>,
    /// Words looked at (`language._plainly_english`'s sixty).
    head: usize,
}

#[pymethods]
impl EnglishCheck {
    #[new]
    fn new(english: Vec<String>, others: Vec<String>, head: usize) -> PyResult<Self> {
        Ok(EnglishCheck {
            english: lower_ascii(english, "english")?.into_iter().collect(),
            others: lower_ascii(others, "others")?.into_iter().collect(),
            head,
        })
    }

    /// `_plainly_english(sample.lower().split(None, head))` for an ASCII `sample`; None for any other.
    fn plainly(&self, sample: &str) -> Option<bool> {
        if !sample.is_ascii() {
            return None;
        }
        let mut word = Vec::with_capacity(32);
        let (mut english, mut others, mut seen) = (0usize, 0usize, 0usize);
        let mut words = sample.as_bytes().split(|&b| ascii_space(b)).filter(|w| !w.is_empty());
        while seen < self.head {
            let Some(w) = words.next() else { break };
            seen += 1;
            word.clear();
            word.extend(w.iter().map(|b| b.to_ascii_lowercase()));
            english += self.english.contains(&word[..]) as usize;
            others += self.others.contains(&word[..]) as usize;
        }
        Some(english >= 2 && english > 2 * others)
    }
}

/// `furniture._holds_a_hint` of ASCII text: a look for each word hint in the text lower-cased, and before each
/// " by" (lower-cased) and each "/" for the hints that end there.
#[pyclass(frozen, module = "wirewatch_native")]
pub struct HintLook {
    words: Vec<memmem::Finder<'static>>,
    by_heads: Vec<Box<[u8]>>,
    slash_heads: Vec<Box<[u8]>>,
}

#[pymethods]
impl HintLook {
    #[new]
    fn new(words: Vec<String>, by_heads: Vec<String>, slash_heads: Vec<String>) -> PyResult<Self> {
        let words = lower_ascii(words, "words")?
            .into_iter()
            .map(|w| memmem::Finder::new(&w[..]).into_owned())
            .collect();
        let slash_heads = slash_heads
            .into_iter()
            .map(|h| {
                if h.is_ascii() && h.ends_with('/') {
                    Ok(h.into_bytes().into_boxed_slice())
                } else {
                    Err(PyValueError::new_err(format!("slash_heads: ASCII, ending with '/': {h:?}")))
                }
            })
            .collect::<PyResult<_>>()?;
        Ok(HintLook { words, by_heads: lower_ascii(by_heads, "by_heads")?, slash_heads })
    }

    /// Whether `text` holds a hint; None where it is not ASCII (Python answers).
    fn holds(&self, text: &str) -> Option<bool> {
        let text = text.as_bytes();
        if !text.is_ascii() {
            return None;
        }
        let low: Vec<u8> = text.iter().map(|b| b.to_ascii_lowercase()).collect();
        if self.words.iter().any(|w| w.find(&low).is_some()) {
            return Some(true);
        }
        for at in memmem::find_iter(&low, b" by") {
            if self.by_heads.iter().any(|h| low[..at].ends_with(h)) {
                return Some(true);
            }
        }
        for at in memchr::memchr_iter(b'/', text) {
            if self.slash_heads.iter().any(|h| text[..at + 1].ends_with(h)) {
                return Some(true);
            }
        }
        Some(false)
    }
}

/// `geotag._SENTENCE_END`'s match ends in an ASCII `text` (`[.!?;:](?=\s+[A-Z"“(])|\n\s*\n|\n(?=\s)`, found
/// left to right as `finditer` finds them) up to the first that ends after `last`, which is left out; None
/// where `text` is not ASCII (Python answers).
#[pyfunction]
pub fn sentence_ends(text: &str, last: usize) -> Option<Vec<usize>> {
    let text = text.as_bytes();
    if !text.is_ascii() {
        return None;
    }
    // `\s` of a str pattern among ASCII characters
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f);
    let mut ends = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let end = match text[at] {
            b'.' | b'!' | b'?' | b';' | b':' => {
                let run = text[at + 1..].iter().take_while(|&&b| space(b)).count();
                match text.get(at + 1 + run) {
                    Some(b) if run > 0 && (b.is_ascii_uppercase() || *b == b'"' || *b == b'(') => Some(at + 1),
                    _ => None,
                }
            }
            b'\n' => {
                // `\n\s*\n`: the greedy run gives back up to its last newline; else `\n(?=\s)`
                let run = text[at + 1..].iter().take_while(|&&b| space(b)).count();
                match text[at + 1..at + 1 + run].iter().rposition(|&b| b == b'\n') {
                    Some(i) => Some(at + 1 + i + 1),
                    None if run > 0 => Some(at + 1),
                    None => None,
                }
            }
            _ => None,
        };
        match end {
            Some(end) if end > last => break,
            Some(end) => {
                ends.push(end);
                at = end;
            }
            None => at += 1,
        }
    }
    Some(ends)
}
