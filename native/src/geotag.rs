//! The geotagger's mention finding for English text outside a dateline, compiled: `transforms.geotag`'s
//! `_hits` with the English gazetteer alone and `find_places`'s person and company checks, the same
//! mentions in the same order (the Python code stays the reference; tests compare the two). Whatever
//! needs Unicode case rules beyond ASCII (a capital letter or a case-folded form of a non-ASCII word)
//! makes `scan` decline with None, and Python answers that text.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use rustc_hash::FxHashSet;

use crate::minhash::strs;
use crate::phrases::PhraseTrie;
use crate::words::{split, words_in, Word};

/// What the checks need of one payload (a gazetteer `Place`).
struct Payload {
    /// Written in lower case in its language: the first letter's case is not checked.
    lower: bool,
    /// For an exact-case name: the name without its dots, which the text without its dots must equal.
    exact: Option<Box<str>>,
    /// Counts only in a dateline (never here).
    dateline_only: bool,
    /// An English name: the person and company checks apply.
    english: bool,
}

/// Why `scan` gives up on a text: Python answers it.
struct Decline;

#[pyclass(frozen, module = "wirewatch_native")]
pub struct PlaceScan {
    trie: Py<PhraseTrie>,
    payloads: Vec<Payload>,
    lexicon: FxHashSet<Box<str>>,
    not_names: FxHashSet<Box<str>>,
    honorifics: FxHashSet<Box<str>>,
    company_ends: FxHashSet<Box<str>>,
}

fn set_of(words: Vec<String>) -> FxHashSet<Box<str>> {
    words.into_iter().map(String::into_boxed_str).collect()
}

/// Python's `word[:1].isupper()`, or Decline when the first character is not ASCII.
fn first_upper(word: &str) -> Result<bool, Decline> {
    match word.as_bytes().first() {
        None => Ok(false),
        Some(b) if b.is_ascii() => Ok(b.is_ascii_uppercase()),
        Some(_) => Err(Decline),
    }
}

/// Python's `word.casefold()` for an ASCII word, else Decline.
fn folded(word: &str) -> Result<String, Decline> {
    if word.is_ascii() { Ok(word.to_ascii_lowercase()) } else { Err(Decline) }
}

struct Text<'a> {
    text: &'a str,
    words: &'a [&'a str],
    /// Byte offset of each word's start.
    starts: Vec<usize>,
}

impl Text<'_> {
    /// `geotag._joined`: only spaces or tabs (one at least) between words `left` and `right`.
    fn joined(&self, left: usize, right: usize) -> bool {
        let (a, b) = (self.starts[left] + self.words[left].len(), self.starts[right]);
        a < b && self.text.as_bytes()[a..b].iter().all(|&c| c == b' ' || c == b'\t')
    }
}

impl PlaceScan {
    /// `geotag._is_name_word`.
    fn is_name_word(&self, word: &str) -> Result<bool, Decline> {
        if !first_upper(word)? {
            return Ok(false);
        }
        let rest = &word[1..];
        if !rest.is_ascii() {
            return Err(Decline);
        }
        // str.islower: a cased character and no upper-case one
        if !(rest.bytes().any(|b| b.is_ascii_lowercase()) && !rest.bytes().any(|b| b.is_ascii_uppercase())) {
            return Ok(false);
        }
        let key = folded(word)?;
        Ok(!self.not_names.contains(key.as_str()) && !self.lexicon.contains(key.as_str()))
    }

    /// `geotag._in_personal_name`.
    fn in_personal_name(&self, t: &Text, first: usize, last: usize, places: &[bool]) -> Result<bool, Decline> {
        if first > 0 && t.joined(first - 1, first) {
            let before = t.words[first - 1];
            if self.honorifics.contains(folded(before)?.as_str()) || (!places[first - 1] && self.is_name_word(before)?) {
                return Ok(true);
            }
        }
        if last + 1 < t.words.len() && t.joined(last, last + 1) && !places[last + 1] && self.is_name_word(t.words[last + 1])? {
            return Ok(true);
        }
        Ok(false)
    }

    /// `geotag._in_company_name`.
    fn in_company_name(&self, t: &Text, last: usize) -> Result<bool, Decline> {
        for i in last + 1..(last + 4).min(t.words.len()) {
            if !t.joined(i - 1, i) || !first_upper(t.words[i])? {
                return Ok(false);
            }
            if self.company_ends.contains(folded(t.words[i])?.as_str()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn find(&self, t: &Text, hits: &[u32]) -> Result<Vec<u32>, Decline> {
        // _hits: leftmost-longest, each hit's case and field checked
        let mut kept: Vec<(usize, usize, u32)> = Vec::new();
        let mut taken_until: i64 = -1;
        for hit in hits.chunks_exact(3) {
            let (first, last, p) = (hit[0] as usize, hit[1] as usize, hit[2]);
            if first as i64 <= taken_until {
                continue;
            }
            let payload = &self.payloads[p as usize];
            if (!payload.lower && {
                match t.words[first].as_bytes().first() {
                    Some(b) if b.is_ascii() => b.is_ascii_lowercase(),
                    Some(_) => return Err(Decline),
                    None => false,
                }
            }) || payload.dateline_only
            {
                continue;
            }
            if let Some(name) = &payload.exact {
                let written = &t.text[t.starts[first]..t.starts[last] + t.words[last].len()];
                if !written.chars().filter(|&c| c != '.').eq(name.chars()) {
                    continue;
                }
            }
            taken_until = last as i64;
            kept.push((first, last, p));
        }
        // find_places: names inside a person's or a company's name left out
        let mut places = vec![false; t.words.len()];
        for &(first, last, _) in &kept {
            places[first..=last].iter_mut().for_each(|x| *x = true);
        }
        let mut out = Vec::with_capacity(kept.len() * 3);
        for (first, last, p) in kept {
            if self.payloads[p as usize].english
                && (self.in_personal_name(t, first, last, &places)? || self.in_company_name(t, last)?)
            {
                continue;
            }
            out.extend([first as u32, last as u32, p]);
        }
        Ok(out)
    }
}

#[pymethods]
impl PlaceScan {
    /// `trie`: the English gazetteer's compiled trie; `payloads`: per payload number, (lower, the exact-case
    /// name without dots or None, dateline-only, English); then the lexicon's words and geotag's word sets.
    #[new]
    fn new(
        trie: Py<PhraseTrie>,
        payloads: Vec<(bool, Option<String>, bool, bool)>,
        lexicon: Vec<String>,
        not_names: Vec<String>,
        honorifics: Vec<String>,
        company_ends: Vec<String>,
    ) -> Self {
        let payloads = payloads
            .into_iter()
            .map(|(lower, exact, dateline_only, english)| Payload {
                lower,
                exact: exact.map(String::into_boxed_str),
                dateline_only,
                english,
            })
            .collect();
        PlaceScan {
            trie,
            payloads,
            lexicon: set_of(lexicon),
            not_names: set_of(not_names),
            honorifics: set_of(honorifics),
            company_ends: set_of(company_ends),
        }
    }

    /// The mentions of `text` (a title or body) split into `words` starting at `starts` (code points), as a
    /// flat list (first word, last word, payload number, ...) in text order; None where Python must answer.
    fn scan<'py>(
        &self,
        py: Python<'py>,
        words: &Bound<'py, PyList>,
        starts: Vec<usize>,
        text: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyList>>> {
        let items = strs(words)?;
        let mut written: Vec<&str> = Vec::with_capacity(items.len());
        for item in &items {
            match item.to_str() {
                Ok(w) => written.push(w),
                Err(_) => return Ok(None), // a lone surrogate
            }
        }
        let Ok(text) = text.to_str() else { return Ok(None) };
        if starts.len() != written.len() {
            return Ok(None);
        }
        // code point offsets to byte offsets
        let starts: Vec<usize> = if text.is_ascii() {
            starts
        } else {
            let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            bytes.push(text.len());
            match starts.iter().map(|&s| bytes.get(s).copied()).collect::<Option<Vec<usize>>>() {
                Some(found) => found,
                None => return Ok(None),
            }
        };
        // each word must sit where its start says
        if written.iter().zip(&starts).any(|(w, &s)| text.get(s..s + w.len()) != Some(*w)) {
            return Ok(None);
        }
        let hits = self.trie.get().hits_folding(&written);
        let t = Text { text, words: &written, starts };
        match self.find(&t, &hits) {
            Ok(out) => Ok(Some(PyList::new(py, out)?)),
            Err(Decline) => Ok(None),
        }
    }

    /// `scan` of `text` split here as `transforms.tokens.Words` splits it with the compiled splitter
    /// (`split_words(text, False)`), so no word becomes a Python string: the mentions as a flat list
    /// (start, end in code points, payload number, ...) in text order; None where Python must answer (as
    /// `scan`, and a text that is not valid UTF-8: a lone surrogate).
    fn scan_text<'py>(&self, py: Python<'py>, text: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Ok(text) = text.to_str() else { return Ok(None) };
        let mut found: Vec<Word> = Vec::with_capacity(words_in(text));
        split(text, false, &mut found);
        let written: Vec<&str> = found.iter().map(|w| &text[w.byte_start as usize..w.byte_end as usize]).collect();
        let starts: Vec<usize> = found.iter().map(|w| w.byte_start as usize).collect();
        let hits = self.trie.get().hits_folding(&written);
        let t = Text { text, words: &written, starts };
        match self.find(&t, &hits) {
            Ok(out) => {
                let spans: Vec<u32> =
                    out.chunks_exact(3).flat_map(|h| [found[h[0] as usize].start, found[h[1] as usize].end, h[2]]).collect();
                Ok(Some(PyList::new(py, spans)?))
            }
            Err(Decline) => Ok(None),
        }
    }
}
