//! wirewatch/text.py's text cleaning, compiled: `html.unescape`, the one-pass reader of simple markup
//! (`python_simple_text`: a run of simple tags, comments, text and references) and `clean_text`. Each gives
//! exactly the Python answer or declines (None), and the caller then runs the Python code, which stays the
//! reference: markup of another shape still goes to HTMLParser, a decimal reference too long for Python's
//! `int` still raises there, and a `<` followed by a word the case-blind markup check could read as a tag
//! name through a non-ASCII letter is left to `re`. References are decoded from tables generated from
//! Python's own `html` module (`entities.rs`, by `gen_entities.py`); NFC is Python's `unicodedata`.

use std::borrow::Cow;

use crate::entities::{DROPPED, INVALID, NAMED};
use crate::unicode::NFC_UNSTABLE;
use crate::words::is_word;

const BLOCK_TAGS: &[&str] = &[
    "p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "figure", "section",
];
const SKIP_TAGS: &[&str] = &["script", "style", "noscript", "nav", "footer", "aside", "form", "button"];
const RAW_TEXT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title", "plaintext",
];
/// The tag names `LOOKS_HTML` looks for.
const LOOKS_HTML: &[&str] = &[
    "p", "br", "div", "span", "a", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "b",
    "i", "img", "figure", "table", "blockquote",
];
/// More digits than this in a decimal reference and Python's `int` may refuse it (its digit limit is at
/// least this): declined.
const SAFE_DIGITS: usize = 640;

fn one_of(name: &[u8], names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| n.as_bytes().eq_ignore_ascii_case(name))
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// The text of a named reference, if `html.entities.html5` has `name`.
fn named(name: &str) -> Option<&'static str> {
    NAMED.binary_search_by(|(k, _)| k.as_bytes().cmp(name.as_bytes())).ok().map(|at| NAMED[at].1)
}

/// A numeric reference to `num` (saturated past 0x10FFFF) as `html.unescape` decodes it.
fn push_code(num: u32, out: &mut String) {
    if let Ok(at) = INVALID.binary_search_by(|(c, _)| c.cmp(&num)) {
        out.push_str(INVALID[at].1);
    } else if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
        out.push('\u{FFFD}');
    } else if DROPPED.binary_search(&num).is_err() {
        out.push(char::from_u32(num).expect("a scalar value"));
    }
}

/// Reads the digits of `b` from `at` in `radix`: the end, the value saturated past 0x10FFFF, the count.
fn digits(b: &[u8], at: usize, radix: u32) -> (usize, u32, usize) {
    let mut end = at;
    let mut value: u32 = 0;
    while end < b.len() {
        let Some(d) = (b[end] as char).to_digit(radix) else { break };
        value = value.saturating_mul(radix).saturating_add(d).min(0x110000);
        end += 1;
    }
    (end, value, end - at)
}

/// `html.unescape(s)` appended to `out`; None where Python's `int` could refuse a reference.
pub fn unescape_into(s: &str, out: &mut String) -> Option<()> {
    let b = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while let Some(off) = s[i..].find('&') {
        let amp = i + off;
        let p = amp + 1;
        i = p;
        if p < b.len() && b[p] == b'#' {
            let (end, num) = if p + 1 < b.len() && b[p + 1].is_ascii_digit() {
                let (end, num, count) = digits(b, p + 1, 10);
                if count > SAFE_DIGITS {
                    return None;
                }
                (end, num)
            } else if p + 2 < b.len() && (b[p + 1] | 0x20) == b'x' && b[p + 2].is_ascii_hexdigit() {
                let (end, num, _) = digits(b, p + 2, 16);
                (end, num)
            } else {
                continue;
            };
            let end = if end < b.len() && b[end] == b';' { end + 1 } else { end };
            out.push_str(&s[last..amp]);
            push_code(num, out);
            last = end;
            i = end;
            continue;
        }
        // A name: 1 to 32 characters other than \t \n \f space < & # ;, then perhaps a semicolon.
        let mut end = p;
        let mut chars = 0;
        for (at, c) in s[p..].char_indices() {
            if chars == 32 || matches!(c, '\t' | '\n' | '\x0c' | ' ' | '<' | '&' | '#' | ';') {
                end = p + at;
                break;
            }
            chars += 1;
            end = p + at + c.len_utf8();
        }
        if chars == 0 {
            continue;
        }
        if end < b.len() && b[end] == b';' {
            end += 1;
            chars += 1;
        }
        let name = &s[p..end];
        out.push_str(&s[last..amp]);
        if let Some(text) = named(name) {
            out.push_str(text);
        } else {
            // The longest known prefix of at least two characters (names are ASCII), then the rest as it is.
            let ascii = name.bytes().take_while(u8::is_ascii).count();
            let found = (2..=ascii.min(chars - 1)).rev().find_map(|x| named(&name[..x]).map(|t| (x, t)));
            match found {
                Some((x, text)) => {
                    out.push_str(text);
                    out.push_str(&name[x..]);
                }
                None => {
                    out.push('&');
                    out.push_str(name);
                }
            }
        }
        last = end;
        i = end;
    }
    out.push_str(&s[last..]);
    Some(())
}

pub fn unescape(s: &str) -> Option<Cow<'_, str>> {
    if !s.contains('&') {
        return Some(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    unescape_into(s, &mut out)?;
    Some(Cow::Owned(out))
}

/// One token of wirewatch/text.py's `_TOKEN` pattern: a comment, or a tag.
enum Token<'a> {
    Comment,
    Tag { closing: bool, name: &'a [u8], attributes: bool, empty: bool },
}

/// The token `_TOKEN` matches at `i` (where `b[i]` is `<`) and where it ends, or None where it matches none.
/// Every repeat of the pattern is possessive (or cannot give back anything that helps), so one forward
/// reading decides.
fn token(b: &[u8], i: usize) -> Option<(Token<'_>, usize)> {
    let n = b.len();
    let mut k = i + 1;
    if b[k..].starts_with(b"!--") {
        k += 3;
        while k < n {
            match b[k] {
                b'<' | b'>' => break,
                b'-' if k + 1 < n && b[k + 1] == b'-' => break,
                _ => k += 1,
            }
        }
        return b[k..].starts_with(b"-->").then_some((Token::Comment, k + 3));
    }
    let closing = k < n && b[k] == b'/';
    if closing {
        k += 1;
    }
    if k >= n || !b[k].is_ascii_alphabetic() {
        return None;
    }
    let start = k;
    while k < n && b[k].is_ascii_alphanumeric() {
        k += 1;
    }
    let name = &b[start..k];
    let listed = k;
    loop {
        let mut m = k;
        while m < n && is_space(b[m]) {
            m += 1;
        }
        if m == k || m >= n || !(b[m].is_ascii_alphabetic() || b[m] == b'_' || b[m] == b':') {
            break;
        }
        m += 1;
        while m < n && (b[m].is_ascii_alphanumeric() || matches!(b[m], b'-' | b'_' | b'.' | b':')) {
            m += 1;
        }
        let mut v = m;
        while v < n && is_space(b[v]) {
            v += 1;
        }
        if v < n && b[v] == b'=' {
            v += 1;
            while v < n && is_space(b[v]) {
                v += 1;
            }
            if v < n && (b[v] == b'"' || b[v] == b'\'') {
                let quote = b[v];
                let mut w = v + 1;
                while w < n && b[w] != quote && b[w] != b'<' && b[w] != b'>' {
                    w += 1;
                }
                if w < n && b[w] == quote {
                    m = w + 1;
                }
            }
        }
        k = m;
    }
    let attributes = k > listed;
    while k < n && is_space(b[k]) {
        k += 1;
    }
    let empty = k < n && b[k] == b'/';
    if empty {
        k += 1;
    }
    (k < n && b[k] == b'>').then_some((Token::Tag { closing, name, attributes, empty }, k + 1))
}

/// `python_simple_text(text)`: HTMLParser's text of markup of the simple shape, None for any other shape
/// (or a reference Python's `int` could refuse).
pub fn simple_text(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut skip: usize = 0;
    let mut raw: Option<&'static str> = None; // the raw-text element whose end tag comes next
    let mut pos = 0;
    while let Some(off) = text[pos..].find('<') {
        let at = pos + off;
        let (tok, end) = token(b, at)?;
        let data = &text[pos..at];
        pos = end;
        if let Some(element) = raw {
            // Its text, then its plain end tag: no markup, no reference.
            match tok {
                Token::Tag { closing: true, name, attributes: false, empty: false }
                    if !data.contains('&') && element.as_bytes().eq_ignore_ascii_case(name) => {}
                _ => return None,
            }
            if skip == 0 {
                out.push_str(data);
            }
            if SKIP_TAGS.contains(&element) {
                skip = skip.saturating_sub(1);
            }
            raw = None;
            continue;
        }
        if skip == 0 {
            unescape_into(data, &mut out)?;
        }
        let Token::Tag { closing, name, attributes, empty } = tok else { continue };
        if closing {
            if empty || attributes {
                return None; // an end tag with attributes or a slash: HTMLParser's tolerant branch
            }
            if one_of(name, SKIP_TAGS).is_some() {
                skip = skip.saturating_sub(1);
            } else if one_of(name, BLOCK_TAGS).is_some() {
                out.push('\n');
            }
        } else if let Some(element) = one_of(name, RAW_TEXT) {
            if empty {
                return None; // HTMLParser versions differ on a self-closed raw-text element
            }
            raw = Some(element);
            if SKIP_TAGS.contains(&element) {
                skip += 1;
            }
        } else if one_of(name, SKIP_TAGS).is_some() {
            if !empty {
                skip += 1; // HTMLParser reads <tag/> as a start tag followed by an end tag
            }
        } else if one_of(name, BLOCK_TAGS).is_some() {
            out.push_str(if empty { "\n\n" } else { "\n" });
        }
    }
    if skip == 0 {
        unescape_into(&text[pos..], &mut out)?;
    }
    Some(out)
}

/// Whether `LOOKS_HTML` finds a tag in `text`, or None where a `<` is followed by a word with a non-ASCII
/// character (the case-blind pattern reads a few of those as ASCII letters: left to `re`).
pub fn looks_html(text: &str) -> Option<bool> {
    let Some(last) = text.rfind('>') else { return Some(false) };
    let mut pos = 0;
    while let Some(off) = text[pos..].find('<') {
        let start = pos + off + 1;
        let word = text[start..].find(|c: char| !is_word(c)).map_or(&text[start..], |e| &text[start..start + e]);
        if !word.is_ascii() {
            return None;
        }
        if start + word.len() <= last && one_of(word.as_bytes(), LOOKS_HTML).is_some() {
            return Some(true);
        }
        pos = start;
    }
    Some(false)
}

/// Whether NFC leaves `text` as it is for certain: none of its code points is one NFC may change or join
/// with the one before (`NFC_UNSTABLE`, from Python's Unicode database). (Where false, Python decides.)
pub fn surely_nfc(text: &str) -> bool {
    let first = NFC_UNSTABLE.first().map_or(u32::MAX, |r| r.0);
    text.chars().all(|c| {
        let u = c as u32;
        u < first || NFC_UNSTABLE.binary_search_by(|&(a, b)| {
            if b < u { std::cmp::Ordering::Less } else if a > u { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Equal }
        }).is_err()
    })
}

/// The characters `str.strip` removes (`str.isspace`).
#[inline]
fn py_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// The spaces `clean_text` makes plain (`_ODD_SPACES`).
#[inline]
fn odd_space(c: char) -> bool {
    matches!(c, '\t' | '\u{a0}' | '\u{2000}'..='\u{200b}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// Marks `clean_text` puts no backslash before (`_STRAY_ESCAPE`).
#[inline]
fn escaped_quote(c: char) -> bool {
    matches!(c, '\u{2019}' | '\u{2018}' | '\'' | '"' | '\u{201c}' | '\u{201d}' | '`')
}

/// `clean_text`'s first step (markup to text, or references decoded) on `text`, None where it declines.
/// With `html` (`clean(value, html=True)`), markup is read first even where `LOOKS_HTML` would not see it.
pub fn clean_head(text: &str, html: bool) -> Option<Cow<'_, str>> {
    let mut text = Cow::Borrowed(text);
    if html && text.contains('<') {
        text = Cow::Owned(simple_text(&text)?);
    }
    if text.contains('<') && looks_html(&text)? {
        return simple_text(&text).map(Cow::Owned);
    }
    if text.contains('&') {
        return Some(Cow::Owned(unescape(&text)?.into_owned()));
    }
    Some(text)
}

/// `clean_text`'s steps after NFC: stray escapes repaired, line breaks made plain, the odd spaces plain,
/// each line stripped, empty lines dropped, each run of spaces made one. One pass: a line's leading
/// whitespace is never written, its trailing whitespace is cut when the line ends, and a space is not
/// written after a space (a run at either end of a line goes either way).
pub fn clean_tail(text: &str) -> String {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = String::with_capacity(n);
    let mut line_start = 0; // where the current line's text starts in `out`
    let mut started = false; // whether the current line has had a character other than whitespace
    let mut i = 0;
    let end_line = |out: &mut String, line_start: usize, started: &mut bool| {
        if *started {
            let kept = out[line_start..].trim_end_matches(py_space).len();
            out.truncate(line_start + kept);
            *started = false;
        }
    };
    while i < n {
        // A run of plain ASCII characters (not a backslash or a control) is copied as it is: it starts with
        // one that is not a space and holds no two spaces together (a single space after a character is
        // kept by the rule below, as in the run).
        let rest = &b[i..];
        let mut run = 0;
        while let Some(&c) = rest.get(run) {
            if !((0x21..0x7f).contains(&c) && c != b'\\' || c == b' ' && run > 0 && rest[run - 1] != b' ') {
                break;
            }
            run += 1;
        }
        if run > 0 {
            if !started {
                if !out.is_empty() {
                    out.push('\n');
                }
                line_start = out.len();
                started = true;
            }
            out.push_str(&text[i..i + run]);
            i += run;
            continue;
        }
        let c = text[i..].chars().next().expect("a character");
        let width = c.len_utf8();
        i += width;
        let c = match c {
            '\\' if text[i..].chars().next().is_some_and(escaped_quote) => continue,
            '\r' | '\n' => {
                if c == '\r' && i < n && b[i] == b'\n' {
                    i += 1;
                }
                end_line(&mut out, line_start, &mut started);
                continue;
            }
            c if odd_space(c) => ' ',
            c => c,
        };
        if py_space(c) {
            if started && !(c == ' ' && out.ends_with(' ')) {
                out.push(c);
            }
            continue;
        }
        if !started {
            if !out.is_empty() {
                out.push('\n');
            }
            line_start = out.len();
            started = true;
        }
        out.push(c);
    }
    end_line(&mut out, line_start, &mut started);
    out
}
