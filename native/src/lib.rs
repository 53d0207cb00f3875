//! The per-story hot path of wirewatch's rule engine, compiled: scan a story's two key lines for every
//! literal pattern of a watch list, turn pattern hits into term occurrences, gather the rules anchored on
//! the terms found and evaluate them. The semantics are those of `transforms/rulelang/evaluate.py` and
//! `engine.py` to the last bit of every score (the same float operations in the same order); the Python
//! engine stays the reference, and tests compare the two on real stories and generated ones.
//!
//! The watch list arrives as a "plan" of plain tuples built by `transforms/rulelang/native.py`.

use std::sync::Mutex;

use rustc_hash::FxHashMap;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple, PyType};
use pyo3::{ffi, intern};

mod bands;
mod census;
mod entities;
mod feedread;
mod geotag;
mod lines;
mod markup;
mod minhash;
mod pages;
mod phrases;
mod rules;
mod stemlib;
mod unicode;
mod words;
use rules::{Clause, Eval, Rules};

/// (field, first word, last word): fields are 0 title, 1 dateline, 2 body.
type Occ = (u32, u32, u32);

const FIELD_COUNT: i64 = 3;
const PLAN_VERSION: u32 = 5;

const NO_FACT: u32 = u32::MAX;

/// The literal patterns of one key stream as a trie over whole keys. A pattern " k1 k2 " matches where
/// consecutive keys of the line are k1, k2; a prefix pattern " k1 k2" where k1 is a key and k2 starts
/// the next one. Walking the keys of a line finds exactly what a multi-literal scan of the line does.
struct Stream {
    vocab: FxHashMap<Box<str>, u32>,        // whole key -> key id
    children: FxHashMap<u64, u32>,          // node << 32 | key id -> node
    end_at: Vec<u32>,                       // node -> where its whole-key patterns start in `ends`
    ends: Vec<u32>,                         // the whole-key patterns ending at each node (owner codes)
    prefixes: FxHashMap<u32, PrefixSet>,    // node -> prefix patterns whose last key starts after it
    // The trie gives each pattern's owner code: its term id when it has one (CASE_TERM set for an exact-case
    // term), else SHARED and where its term ids start in `owners` (through `owner_at`).
    owner_at: Vec<u32>,
    owners: Vec<u32>,
    size: usize,
}

#[derive(Default)]
struct PrefixSet {
    lengths: Vec<usize>, // distinct byte lengths, ascending
    patterns: FxHashMap<Box<str>, Vec<u32>>, // owner codes
}

/// Per-story working memory, reused: term id -> its occurrence list (valid when stamped this story).
struct Scratch {
    generation: u32,
    // Term id -> (generation, slot in lists, and where its anchor rows start and end in Core.anchors): the
    // anchor range sits beside the stamp, so finding a term brings in both.
    terms: Vec<[u32; 4]>,
    lists: Vec<Vec<Occ>>,
    found: Vec<u32>,
    candidates: Vec<u32>,
    patterns: Vec<(u32, u32, u32)>,
}

impl Scratch {
    /// `anchor_at`: where each term's anchor rows start, and the end.
    fn new(anchor_at: &[u32]) -> Self {
        Scratch {
            generation: 0,
            terms: pages::in_huge_pages(anchor_at.windows(2).map(|w| [0, 0, w[0], w[1]]).collect()),
            lists: Vec::new(),
            found: Vec::new(),
            candidates: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

impl Core {
    fn new_scratch(&self) -> Scratch {
        Scratch::new(&self.anchor_at)
    }
}

pub(crate) struct Hits<'a> {
    terms: &'a [[u32; 4]],
    lists: &'a [Vec<Occ>],
    generation: u32,
}

impl<'a> Hits<'a> {
    #[inline]
    pub(crate) fn get(&self, tid: u32) -> Option<&'a Vec<Occ>> {
        let [stamp, slot, ..] = self.terms[tid as usize];
        if stamp == self.generation {
            Some(&self.lists[slot as usize])
        } else {
            None
        }
    }
}

#[pyclass(frozen, module = "wirewatch_native")]
struct Core {
    streams: Vec<Stream>,
    case: FxHashMap<u32, (Vec<String>, bool)>, // term id -> (written words, prefix) when case matters
    // Term id -> where its rows start in `anchors` (and the end): (where the rule anchored on it starts in
    // `rules`, the fact id the rule requires). Flat arrays rather than a vector per term.
    anchor_at: Vec<u32>,
    anchors: Vec<(u32, u32)>,
    always: Vec<(u32, u32)>, // (rule, fact id) of the rules evaluated for every story
    rules: Rules,
    facts: FxHashMap<(String, String), u32>, // (country|region, value) -> fact id
    scratch: Mutex<Scratch>,
    stems: Mutex<Vec<FxHashMap<Box<str>, Box<str>>>>, // per other language's stream: word as written -> key (match_texts)
    words: Mutex<WordTable>, // word as written -> its stem and form keys (match_texts)
    layouts: Layouts, // of the record classes `matches` makes
}

/// Asks for the cache line at `p` ahead of its use (a hint: never faults, does nothing elsewhere than x86-64).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and cannot fault, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
}

/// Set on a pattern's owner term whose written case must match.
const CASE_TERM: u32 = 1 << 31;
/// Set on an owner code that stands for several terms (see Stream).
const SHARED: u32 = 1 << 30;

/// Vectors as one array and where each starts (plus the end).
fn flatten<T: Copy>(lists: &[Vec<T>]) -> PyResult<(Vec<u32>, Vec<T>)> {
    let mut at = Vec::with_capacity(lists.len() + 1);
    let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    at.push(0);
    for list in lists {
        items.extend_from_slice(list);
        at.push(u32::try_from(items.len()).map_err(|_| PyValueError::new_err("a table too large"))?);
    }
    Ok((at, items))
}

/// `n_terms`: term ids are below it; `case`: the exact-case terms.
fn build_stream(obj: &Bound<'_, PyAny>, n_terms: usize, case: &FxHashMap<u32, (Vec<String>, bool)>) -> PyResult<Stream> {
    let (patterns, owners): (Vec<String>, Vec<Vec<u32>>) = obj.extract()?;
    if owners.len() != patterns.len() {
        return Err(PyValueError::new_err("stream tables differ in length"));
    }
    if n_terms >= SHARED as usize || owners.iter().flatten().any(|&t| t as usize >= n_terms) {
        return Err(PyValueError::new_err("term id out of range"));
    }
    let flag = |t: u32| if case.contains_key(&t) { t | CASE_TERM } else { t };
    let mut shared: Vec<Vec<u32>> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(owners.len());
    for terms in owners {
        if terms.len() == 1 {
            codes.push(flag(terms[0]));
        } else {
            codes.push(SHARED | shared.len() as u32);
            shared.push(terms.into_iter().map(flag).collect());
        }
    }
    let (owner_at, owners) = flatten(&shared)?;
    let mut ends: Vec<Vec<u32>> = vec![Vec::new()];
    let mut stream = Stream {
        vocab: FxHashMap::default(),
        children: FxHashMap::default(),
        end_at: Vec::new(),
        ends: Vec::new(),
        prefixes: FxHashMap::default(),
        owner_at,
        owners,
        size: patterns.len(),
    };
    for (pid, pattern) in patterns.iter().enumerate() {
        let body = pattern
            .strip_prefix(' ')
            .ok_or_else(|| PyValueError::new_err(format!("pattern {pattern:?} does not start a key")))?;
        let (whole, last) = match body.strip_suffix(' ') {
            Some(keys) => (keys, None),
            None => match body.rsplit_once(' ') {
                Some((keys, last)) => (keys, Some(last)),
                None => ("", Some(body)),
            },
        };
        let mut node = 0u32;
        for key in whole.split(' ').filter(|k| !k.is_empty()) {
            let next_id = stream.vocab.len() as u32;
            let kid = *stream.vocab.entry(key.into()).or_insert(next_id);
            let next_node = ends.len() as u32;
            let child = *stream.children.entry((node as u64) << 32 | kid as u64).or_insert(next_node);
            if child == next_node {
                ends.push(Vec::new());
            }
            node = child;
        }
        match last {
            None => ends[node as usize].push(codes[pid]),
            Some(prefix) if !prefix.is_empty() => {
                let set = stream.prefixes.entry(node).or_default();
                if !set.lengths.contains(&prefix.len()) {
                    set.lengths.push(prefix.len());
                    set.lengths.sort_unstable();
                }
                set.patterns.entry(prefix.into()).or_default().push(codes[pid]);
            }
            Some(_) => return Err(PyValueError::new_err(format!("pattern {pattern:?} has an empty prefix"))),
        }
    }
    (stream.end_at, stream.ends) = flatten(&ends)?;
    Ok(stream)
}

impl Stream {
    /// (first key, last key, owner code) of every pattern found in `line`, by first key.
    fn scan(&self, line: &str, out: &mut Vec<(u32, u32, u32)>) {
        out.clear();
        if self.size == 0 {
            return;
        }
        let inner = line.strip_prefix(' ').unwrap_or(line);
        let inner = inner.strip_suffix(' ').unwrap_or(inner);
        if inner.is_empty() {
            return;
        }
        let keys: Vec<&str> = inner.split(' ').collect();
        let ids: Vec<u32> = keys.iter().map(|k| self.vocab.get(*k).copied().unwrap_or(NONE)).collect();
        self.scan_keys(&PlainKeys { keys: &keys, ids: &ids }, out);
    }

    /// What the walk from the trie's root makes of one key: (its key id, the node that id leads to from the
    /// root, the owner codes of the prefix patterns of one key that it starts with, in `scan`'s order);
    /// NONE for an id or node not there.
    fn first_step(&self, key: &str) -> (u32, u32, Box<[u32]>) {
        let id = self.vocab.get(key).copied().unwrap_or(NONE);
        let first = if id == NONE { NONE } else { self.children.get(&(id as u64)).copied().unwrap_or(NONE) };
        let roots: Vec<u32> = self.prefixes.get(&0).map_or(Vec::new(), |set| set.find(key).flatten().copied().collect());
        (id, first, roots.into())
    }

    /// `scan` over a line's keys already looked up (`KeyLine`: each key, its id, and maybe its first step).
    fn scan_keys<L: KeyLine>(&self, line: &L, out: &mut Vec<(u32, u32, u32)>) {
        out.clear();
        if self.size == 0 {
            return;
        }
        let n = line.len();
        for i in 0..n {
            let (mut node, mut j) = (0u32, i);
            if let Some((first, roots)) = line.step(i) {
                out.extend(roots.iter().map(|&pid| (i as u32, i as u32, pid)));
                if first == NONE {
                    continue;
                }
                node = first;
                self.ends_at(node, (i as u32, i as u32), out);
                j += 1;
            }
            while j < n {
                if let Some(set) = self.prefixes.get(&node) {
                    for found in set.find(line.key(j)) {
                        out.extend(found.iter().map(|&pid| (i as u32, j as u32, pid)));
                    }
                }
                let kid = line.id(j);
                if kid == NONE {
                    break;
                }
                let Some(&child) = self.children.get(&((node as u64) << 32 | kid as u64)) else { break };
                node = child;
                self.ends_at(node, (i as u32, j as u32), out);
                j += 1;
            }
        }
    }

    /// The whole-key patterns ending at `node`, as hits from key `first` to key `last`.
    #[inline]
    fn ends_at(&self, node: u32, (first, last): (u32, u32), out: &mut Vec<(u32, u32, u32)>) {
        let (a, b) = (self.end_at[node as usize] as usize, self.end_at[node as usize + 1] as usize);
        out.extend(self.ends[a..b].iter().map(|&pid| (first, last, pid)));
    }
}

impl PrefixSet {
    /// The owner codes of the patterns `key` starts with, shortest first.
    fn find<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Vec<u32>> + 'a {
        self.lengths
            .iter()
            .take_while(move |&&n| n <= key.len())
            .filter_map(move |&n| key.get(..n).and_then(|p| self.patterns.get(p)))
    }
}

/// No key id, or no node.
const NONE: u32 = u32::MAX;

/// A key line as `Stream::scan_keys` reads it: per key, the key, its id in the stream's vocabulary (NONE when
/// not there) and, where known, the first step of the trie walk from it (`Stream::first_step`: the node, or
/// NONE, and the root prefix patterns' owner codes).
trait KeyLine {
    fn len(&self) -> usize;
    fn key(&self, j: usize) -> &str;
    fn id(&self, j: usize) -> u32;
    fn step(&self, i: usize) -> Option<(u32, &[u32])>;
}

/// A key line split from its text and looked up there (`Stream::scan`).
struct PlainKeys<'a> {
    keys: &'a [&'a str],
    ids: &'a [u32],
}

impl KeyLine for PlainKeys<'_> {
    fn len(&self) -> usize {
        self.keys.len()
    }
    fn key(&self, j: usize) -> &str {
        self.keys[j]
    }
    fn id(&self, j: usize) -> u32 {
        self.ids[j]
    }
    fn step(&self, _: usize) -> Option<(u32, &[u32])> {
        None
    }
}

/// The stem (0) or form (1) keys of a story's words, read from their entries in the core's word table.
struct TableKeys<'a> {
    entries: &'a [&'a WordKeys],
    k: usize,
}

impl KeyLine for TableKeys<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.entries.len()
    }
    #[inline]
    fn key(&self, j: usize) -> &str {
        &self.entries[j].keys[self.k]
    }
    #[inline]
    fn id(&self, j: usize) -> u32 {
        self.entries[j].ids[self.k]
    }
    #[inline]
    fn step(&self, i: usize) -> Option<(u32, &[u32])> {
        let e = self.entries[i];
        Some((e.firsts[self.k], &e.roots[self.k]))
    }
}

fn case_ok(raw: &[&str], first: usize, written: &[String], prefix: bool) -> bool {
    let n = written.len();
    if first + n > raw.len() || n == 0 {
        return false;
    }
    let found = &raw[first..first + n];
    if prefix {
        found[..n - 1].iter().zip(&written[..n - 1]).all(|(a, b)| *a == b) && found[n - 1].starts_with(written[n - 1].as_str())
    } else {
        found.iter().zip(written).all(|(a, b)| *a == b)
    }
}

/// The words of a key line as written (" w1 w2 ... ").
fn split_raw(raw: &str) -> Vec<&str> {
    let inner = raw.strip_prefix(' ').unwrap_or(raw);
    let inner = inner.strip_suffix(' ').unwrap_or(inner);
    if inner.is_empty() { Vec::new() } else { inner.split(' ').collect() }
}

const SEPARATOR: &str = "\x1f"; // between fields in the word sequence (view.SEPARATOR)

/// Where a word is in its field: (start, end) in characters (Python's string offsets), then in bytes.
type WordAt = (u32, u32, u32, u32);
/// An evidence span: (field, start, end) in characters, then (start, end) in bytes of the field's text.
type Ev = (u32, u32, u32, u32, u32);

/// Where `word` first starts in `text` (`str::find`, whose searcher costs more to set up than the few
/// bytes each word is found after).
fn find(text: &str, word: &str) -> Option<usize> {
    let (t, w) = (text.as_bytes(), word.as_bytes());
    let Some(&first) = w.first() else { return Some(0) };
    let mut from = 0;
    while let Some(k) = t[from..].iter().position(|&b| b == first) {
        let at = from + k;
        if t[at..].starts_with(w) {
            return Some(at); // a first byte of a character's encoding: a character boundary
        }
        from = at + 1;
    }
    None
}

/// Where each word is in its field (see WordAt). Words follow
/// each other in the text with only non-word characters between them, except a possessive 's that the
/// word split dropped (a word that stops right before an apostrophe and an s never continues: the
/// split would have taken them into the word otherwise).
fn word_offsets(words: &[&str], bounds: (u32, u32, u32), texts: [Option<&str>; 3]) -> PyResult<Vec<WordAt>> {
    let mut out = vec![(0u32, 0u32, 0u32, 0u32); words.len()];
    let starts = [bounds.0 as usize, bounds.1 as usize, bounds.2 as usize];
    for field in 0..3 {
        let first = starts[field];
        let mut last = if field < 2 { starts[field + 1] } else { words.len() };
        last = last.min(words.len());
        while last > first && words[last - 1] == SEPARATOR {
            last -= 1;
        }
        if first >= last {
            continue;
        }
        let text = texts[field].ok_or_else(|| PyValueError::new_err("a field with words has no text"))?;
        let (mut at, mut chars) = (0usize, 0usize); // byte and character position in text
        for (k, word) in words[first..last].iter().enumerate() {
            let found = find(&text[at..], word).ok_or_else(|| PyValueError::new_err("a word is not in its field"))?;
            chars += text[at..at + found].chars().count();
            let length = word.chars().count();
            let start = at + found;
            out[first + k] = (chars as u32, (chars + length) as u32, start as u32, (start + word.len()) as u32);
            at = start + word.len();
            chars += length;
            let rest = &text[at..];
            for quote in ["'", "\u{2019}"] {
                if let Some(after) = rest.strip_prefix(quote) {
                    if after.starts_with(['s', 'S']) {
                        at += quote.len() + 1;
                        chars += 2;
                    }
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// An occurrence set's evidence as the Python engine gives it (match.spans): (field, start, end) per
/// occurrence in field order, by start, longest first, without spans nested in the one kept before.
fn evidence(occs: &[Occ], offsets: &[WordAt]) -> PyResult<Vec<Ev>> {
    let at = |word: u32| offsets.get(word as usize).ok_or_else(|| PyValueError::new_err("an occurrence past the last word"));
    let mut spans: Vec<Ev> = occs
        .iter()
        .map(|&(field, first, last)| {
            let (a, b) = (at(first)?, at(last)?);
            Ok((field, a.0, b.1, a.2, b.3))
        })
        .collect::<PyResult<_>>()?;
    spans.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.cmp(&a.2)));
    let mut kept: Vec<Ev> = Vec::with_capacity(spans.len());
    for span in spans {
        if let Some(&(field, start, end, _, _)) = kept.last() {
            if span.0 == field && start <= span.1 && span.2 <= end {
                continue;
            }
        }
        kept.push(span);
    }
    Ok(kept)
}

/// One story as `fire` and `matches` take it.
struct StoryIn<'a, 'py> {
    stem_line: &'a str,
    form_line: &'a str,
    raw: &'a str,
    bounds: (u32, u32),
    facts: &'a Bound<'py, PyDict>,
    extra: &'a [String],
    /// The stem and form keys already split and looked up (then the two lines are not read), and the
    /// words as written (then `raw` is not read).
    keys: Option<&'a LookedUp<'a>>,
}

/// A story's words as written and their entries in the core's word table.
struct LookedUp<'a> {
    raw: &'a [&'a str],
    entries: &'a [&'a WordKeys],
}

impl Core {
    /// Scan the story's key lines, gather the candidate rules and evaluate them: `on_fired(rule (where it
    /// starts in `rules`), score, clause, occurrences)` for each rule that fires, in rule order, its
    /// occurrences sorted and without repeats.
    fn run<'py, F>(&self, story: &StoryIn<'_, 'py>, mut on_fired: F) -> PyResult<()>
    where
        F: FnMut(u32, f64, Clause, Vec<Occ>) -> PyResult<()>,
    {
        if story.extra.len() + 2 != self.streams.len() {
            return Err(PyValueError::new_err(format!(
                "{} key lines for {} streams (stem, form, then one per other language)",
                story.extra.len() + 2,
                self.streams.len()
            )));
        }
        // The working memory is reused; a second thread arriving meanwhile gets its own (never waits
        // for the lock while holding the GIL).
        let mut guard = self.scratch.try_lock().ok();
        let mut own;
        let s = match guard.as_deref_mut() {
            Some(s) => s,
            None => {
                own = self.new_scratch();
                &mut own
            }
        };
        s.generation = s.generation.wrapping_add(1);
        if s.generation == 0 {
            s.terms.iter_mut().for_each(|x| x[0] = 0);
            s.generation = 1;
        }
        let gen = s.generation;
        s.found.clear();
        let mut used_lists = 0usize;
        let mut split_words: Option<Vec<&str>> = None; // the words as written, when an exact-case term needs them
        let (b1, b2) = story.bounds;
        let mut found_patterns = std::mem::take(&mut s.patterns);
        let lines = [story.stem_line, story.form_line].into_iter().chain(story.extra.iter().map(String::as_str));
        for (k, (stream, line)) in self.streams.iter().zip(lines).enumerate() {
            match story.keys {
                Some(l) if k < 2 => stream.scan_keys(&TableKeys { entries: l.entries, k }, &mut found_patterns),
                _ => stream.scan(line, &mut found_patterns),
            }
            for &(_, _, code) in &found_patterns {
                if code & SHARED == 0 {
                    prefetch(&s.terms[(code & !CASE_TERM) as usize]);
                }
            }
            for &(first, last, code) in &found_patterns {
                let field = if first < b1 { 0 } else if first < b2 { 1 } else { 2 };
                let occ = (field, first, last);
                let owners = if code & SHARED == 0 {
                    std::slice::from_ref(&code)
                } else {
                    let k = (code & !SHARED) as usize;
                    &stream.owners[stream.owner_at[k] as usize..stream.owner_at[k + 1] as usize]
                };
                for &owner in owners {
                    let tid = owner & !CASE_TERM;
                    let t = tid as usize;
                    if owner & CASE_TERM != 0 {
                        let (written, prefix) = &self.case[&tid];
                        let words: &[&str] = match story.keys {
                            Some(l) => l.raw,
                            None => split_words.get_or_insert_with(|| split_raw(story.raw)),
                        };
                        if !case_ok(words, first as usize, written, *prefix) {
                            continue;
                        }
                    }
                    let [stamp, slot, anchors, _] = s.terms[t];
                    if stamp != gen {
                        s.terms[t][..2].copy_from_slice(&[gen, used_lists as u32]);
                        if let Some(row) = self.anchors.get(anchors as usize) {
                            prefetch(row);
                        }
                        if used_lists == s.lists.len() {
                            s.lists.push(Vec::new());
                        }
                        s.lists[used_lists].clear();
                        s.lists[used_lists].push(occ);
                        used_lists += 1;
                        s.found.push(tid);
                    } else {
                        let list = &mut s.lists[slot as usize];
                        if list.last() != Some(&occ) {
                            list.push(occ);
                        }
                    }
                }
            }
        }
        s.patterns = found_patterns;
        // The facts this story has, as ids: rules that require another country or region cannot hold.
        let mut story_facts: Vec<u32> = Vec::new();
        if !self.facts.is_empty() {
            for kind in ["country", "region"] {
                if let Some(values) = story.facts.get_item(kind)? {
                    for v in values.try_iter()? {
                        let v: String = v?.extract()?;
                        if let Some(&id) = self.facts.get(&(kind.to_string(), v)) {
                            story_facts.push(id);
                        }
                    }
                }
            }
        }
        // The candidates: rules anchored on a term found (and those evaluated for every story) whose country
        // or region, if they require one, the story has; sorted and deduplicated rather than marked in a
        // table over all rules (a cache miss a rule).
        s.candidates.clear();
        let held = |need: u32| need == NO_FACT || story_facts.contains(&need);
        s.candidates.extend(self.always.iter().filter(|&&(_, need)| held(need)).map(|&(r, _)| r));
        for &tid in &s.found {
            let [_, _, a, b] = s.terms[tid as usize];
            s.candidates.extend(self.anchors[a as usize..b as usize].iter().filter(|&&(_, need)| held(need)).map(|&(r, _)| r));
        }
        s.candidates.sort_unstable();
        s.candidates.dedup();
        let hits = Hits { terms: &s.terms, lists: &s.lists, generation: gen };
        let mut eval = Eval::new(&self.rules, hits, story.facts);
        const AHEAD: usize = 8; // rules asked for ahead of their evaluation: their cache misses overlap
        for &at in s.candidates.iter().take(AHEAD) {
            self.rules.prefetch(at);
        }
        for (i, &at) in s.candidates.iter().enumerate() {
            if let Some(&next) = s.candidates.get(i + AHEAD) {
                self.rules.prefetch(next);
            }
            if let Some((score, mut occs, clause)) = eval.rule(at)? {
                occs.sort_unstable();
                occs.dedup();
                on_fired(at, score, clause, occs)?;
            }
        }
        Ok(())
    }
}

/// A field's text as Python holds it (UTF-8, cached in the string object), not copied.
fn text_of<'a>(t: &'a Option<Bound<'_, PyString>>) -> PyResult<Option<&'a str>> {
    t.as_ref().map(|t| t.to_str()).transpose()
}

/// Stemmed keys kept past a story, word as written -> key (emptied when full, as transforms.tokens'
/// caches are).
const STEMS_MAX: usize = 500_000;

/// Words as written -> their keys (`WordKeys`, in `keys` at the index the map gives).
#[derive(Default)]
struct WordTable {
    index: WordIndex,
    keys: Vec<WordKeys>,
    stemmer: Option<stemlib::Stemmer>, // where set (Core.stem_with), the English stems of new words come from it
}

/// Words as written -> a number. A word of up to 15 bytes (nearly every word) is kept inline as its bytes
/// and its length in one u128 (`short_key`), so that finding it compares two numbers in the map's own
/// array instead of following a pointer to a string elsewhere on the heap (a cache miss a word, most of
/// the look-up's cost); longer words are kept as strings.
#[derive(Default)]
struct WordIndex {
    short: std::collections::HashMap<u128, u32, std::hash::BuildHasherDefault<ShortHash>>,
    long: FxHashMap<Box<str>, u32>,
}

/// A word of up to 15 bytes as one number: its bytes, then its length in the last byte (read as words
/// that may overlap, not copied byte by byte).
#[inline]
fn short_key(word: &str) -> Option<u128> {
    let b = word.as_bytes();
    let n = b.len();
    let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as u64;
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => (b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1)), 0),
        4..=7 => (u32_at(0) | u32_at(n - 4) << (8 * (n - 4)), 0),
        8 => (u64_at(0), 0),
        9..=15 => (u64_at(0), u64_at(n - 8) >> (8 * (16 - n))),
        _ => return None,
    };
    Some((lo as u128) | (hi as u128) << 64 | (n as u128) << 120)
}

/// Hashes a short key (`short_key`) with a full mix of both halves, not FxHash (a build with FxHash and the
/// key copied byte by byte was slower than the string keys).
#[derive(Default, Clone, Copy)]
struct ShortHash(u64);

impl std::hash::Hasher for ShortHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("short keys are hashed as u128")
    }
    #[inline]
    fn write_u128(&mut self, key: u128) {
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let m = (lo ^ hi.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ hi;
        let m = (m ^ (m >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 = m ^ (m >> 32);
    }
}

impl WordIndex {
    #[inline]
    fn get(&self, word: &str) -> Option<u32> {
        match short_key(word) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(word).copied(),
        }
    }

    fn insert(&mut self, word: &str, slot: u32) {
        match short_key(word) {
            Some(key) => self.short.insert(key, slot),
            None => self.long.insert(word.into(), slot),
        };
    }

    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    fn clear(&mut self) {
        self.short.clear();
        self.long.clear();
    }
}

/// A word's keys as the stem and form streams read them: the key, its id in the stream's vocabulary and
/// the first step of the trie walk from it (`Stream::first_step`).
struct WordKeys {
    keys: [Box<str>; 2],
    ids: [u32; 2],
    firsts: [u32; 2],
    roots: [Box<[u32]>; 2],
}

/// The distinct words of `all` that `table` lacks, None when it has them all. A table that would grow past
/// STEMS_MAX is emptied first (then every word is missing).
fn missing_words<'a, V>(table: &mut FxHashMap<Box<str>, V>, all: &[&'a str]) -> Option<Vec<&'a str>> {
    let mut missing: Vec<&str> = all.iter().copied().filter(|w| !table.contains_key(*w)).collect();
    if missing.is_empty() {
        return None;
    }
    if table.len() + missing.len() > STEMS_MAX {
        table.clear();
        missing = all.to_vec();
    }
    missing.sort_unstable();
    missing.dedup();
    Some(missing)
}

/// A story's words in one sequence (a separator between fields, as StoryView has them): the words, where
/// each is in its field, and where the dateline's and the body's words start.
fn split_fields(fields: [Option<&str>; 3]) -> (Vec<&str>, Vec<WordAt>, (u32, u32)) {
    // Room for every word at once, most of the time (a capacity hint: `words::words_in`).
    let room = fields.iter().flatten().map(|t| words::words_in(t)).sum::<usize>() + 2;
    let mut found: Vec<words::Word> = Vec::with_capacity(fields.iter().flatten().map(|t| words::words_in(t)).max().unwrap_or(0));
    let mut all: Vec<&str> = Vec::with_capacity(room);
    let mut offsets: Vec<WordAt> = Vec::with_capacity(room);
    let mut bounds = [0u32; 3];
    for (field, text) in fields.iter().enumerate() {
        if !all.is_empty() {
            all.push(SEPARATOR);
            offsets.push((0, 0, 0, 0));
        }
        bounds[field] = all.len() as u32;
        let Some(text) = text else { continue };
        found.clear();
        words::split(text, true, &mut found);
        for w in &found {
            all.push(&text[w.byte_start as usize..w.byte_end as usize]);
            offsets.push((w.start, w.end, w.byte_start, w.byte_end));
        }
    }
    (all, offsets, (bounds[1], bounds[2]))
}

impl Core {
    /// Puts the words of `all` not in `table` there (`slots`: each word's place in it, NONE where it is
    /// missing, as just looked up): their stems asked of `stems_in(words, "en")` in one call, their
    /// case-folded forms, and both looked up in the stem and form streams. True when the table was emptied
    /// first (as `missing_words` empties one that would grow past STEMS_MAX): then every slot is stale.
    fn learn(
        &self,
        py: Python<'_>,
        table: &mut WordTable,
        all: &[&str],
        slots: &[u32],
        stems_in: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let mut missing: Vec<&str> = all.iter().zip(slots).filter(|&(_, &k)| k == NONE).map(|(w, _)| *w).collect();
        let emptied = table.index.len() + missing.len() > STEMS_MAX;
        if emptied {
            table.index.clear();
            table.keys.clear();
            missing = all.to_vec();
        }
        missing.sort_unstable();
        missing.dedup();
        let forms: Vec<String> = missing
            .iter()
            .map(|w| {
                let mut form = String::with_capacity(w.len());
                words::fold_into(w, &mut form);
                form
            })
            .collect();
        let stems: Vec<String> = match table.stemmer.as_mut() {
            // The library's stem of the case-folded word, as tokens.stem asks it of the same library.
            Some(stemmer) => forms.iter().map(|form| stemmer.stem(form)).collect::<PyResult<_>>()?,
            None => stems_in.call1((PyList::new(py, &missing)?, "en"))?.extract()?,
        };
        if stems.len() != missing.len() {
            return Err(PyValueError::new_err("stems gave a key count unlike the word count"));
        }
        for ((w, stem), form) in missing.iter().zip(stems).zip(forms) {
            if stem.contains(' ') || form.contains(' ') {
                return Err(PyValueError::new_err("a key with a space"));
            }
            let (s_id, s_first, s_roots) = self.streams[0].first_step(&stem);
            let (f_id, f_first, f_roots) = self.streams[1].first_step(&form);
            let entry = WordKeys {
                keys: [stem.into(), form.into()],
                ids: [s_id, f_id],
                firsts: [s_first, f_first],
                roots: [s_roots, f_roots],
            };
            table.index.insert(w, table.keys.len() as u32);
            table.keys.push(entry);
        }
        Ok(emptied)
    }

    /// The key line of stemmed keys of `all` (the story's words): each looked up in the core's table for
    /// the `table`th stream after stem and form (another language's stems), those not there asked of `ask`
    /// (one call with the missing words).
    fn stem_line<'py>(
        &self,
        py: Python<'py>,
        table: usize,
        all: &[&str],
        ask: &dyn Fn(&Bound<'py, PyList>) -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<String> {
        let mut guard = self.stems.try_lock().ok();
        let mut own = FxHashMap::default();
        let table = match guard.as_deref_mut() {
            Some(tables) => &mut tables[table],
            None => &mut own, // another thread has the tables: this story's stems alone
        };
        if let Some(missing) = missing_words(table, all) {
            let keys: Vec<String> = ask(&PyList::new(py, &missing)?)?.extract()?;
            if keys.len() != missing.len() {
                return Err(PyValueError::new_err("stems gave a key count unlike the word count"));
            }
            for (w, k) in missing.iter().zip(keys) {
                if k.contains(' ') {
                    return Err(PyValueError::new_err("a stemmed key with a space"));
                }
                table.insert((*w).into(), k.into());
            }
        }
        let mut line = String::with_capacity(all.iter().map(|w| w.len() + 1).sum::<usize>() + 2);
        line.push(' ');
        for w in all {
            line.push_str(&table[*w]);
            line.push(' ');
        }
        if all.is_empty() {
            line.push(' ');
        }
        Ok(line)
    }

    /// The records `matches` makes, from a story whose word offsets are given or found from its words.
    fn records<'py>(
        &self,
        py: Python<'py>,
        story: &StoryIn<'_, 'py>,
        fields: [Option<&str>; 3],
        caps: (usize, usize, usize),
        kinds: (Bound<'py, PyType>, Bound<'py, PyType>),
        known: Option<&[WordAt]>,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let mut fired: Vec<(u32, f64, Clause, usize)> = Vec::new();
        let mut sets: Vec<Vec<Ev>> = Vec::new();
        let mut set_ids: FxHashMap<Vec<Occ>, usize> = FxHashMap::default();
        let mut offsets: Option<Vec<WordAt>> = None;
        self.run(story, |r, score, clause, occs| {
            let set = match set_ids.get(&occs) {
                Some(&k) => k,
                None => {
                    let at = match known {
                        Some(at) => at,
                        None => {
                            if offsets.is_none() {
                                let (b1, b2) = story.bounds;
                                offsets = Some(word_offsets(&split_raw(story.raw), (0, b1, b2), fields)?);
                            }
                            offsets.as_deref().unwrap()
                        }
                    };
                    sets.push(evidence(&occs, at)?);
                    set_ids.insert(occs, sets.len() - 1);
                    sets.len() - 1
                }
            };
            fired.push((r, score, clause, set));
            Ok(())
        })?;
        let (most, per_match, spans_most) = caps;
        if fired.len() > most
            || sets.iter().any(|set| set.len() > per_match)
            || fired.iter().map(|f| sets[f.3].len()).sum::<usize>() > spans_most
        {
            return Ok(None);
        }
        let (span_kind, match_kind) = kinds;
        let span_fields = [intern!(py, "field"), intern!(py, "start"), intern!(py, "end"), intern!(py, "text")];
        let match_fields = [intern!(py, "rule"), intern!(py, "score"), intern!(py, "spans"), intern!(py, "clause")];
        let span_kind = Record::of(&self.layouts, span_kind, &span_fields)?;
        let match_kind = Record::of(&self.layouts, match_kind, &match_fields)?;
        let names = [intern!(py, "title"), intern!(py, "dateline"), intern!(py, "body")];
        let mut made: FxHashMap<(u32, u32, u32), Bound<'py, PyAny>> = FxHashMap::default();
        let mut evidence_of: Vec<Option<Bound<'py, PyTuple>>> = vec![None; sets.len()];
        let mut records = Vec::with_capacity(fired.len());
        for (r, score, clause, k) in fired {
            if evidence_of[k].is_none() {
                let mut spans = Vec::with_capacity(sets[k].len());
                for &(field, start, end, from, to) in &sets[k] {
                    let span = match made.get(&(field, start, end)) {
                        Some(span) => span.clone(),
                        None => {
                            let text = fields[field as usize]
                                .and_then(|t| t.get(from as usize..to as usize))
                                .ok_or_else(|| PyValueError::new_err("a span outside its field"))?;
                            let (start_obj, end_obj) = (start.into_pyobject(py)?, end.into_pyobject(py)?);
                            let text_obj = PyString::new(py, text);
                            let values = [names[field as usize].as_any(), start_obj.as_any(), end_obj.as_any(), text_obj.as_any()];
                            let span = span_kind.make(&values)?;
                            made.insert((field, start, end), span.clone());
                            span
                        }
                    };
                    spans.push(span);
                }
                evidence_of[k] = Some(PyTuple::new(py, spans)?);
            }
            // The id and clause as new strings: the rule's bytes are in cache from its evaluation, while the
            // watch list's own string objects, scattered over the heap, cost a cache miss each.
            let (id, score_obj) = (rules::py_str(py, self.rules.id(r))?, PyFloat::new(py, score));
            let clause = self.rules.py_text(py, &clause)?;
            let values = [
                id.as_any(),
                score_obj.as_any(),
                evidence_of[k].as_ref().unwrap().as_any(),
                clause.as_any(),
            ];
            records.push(match_kind.make(&values)?);
        }
        Ok(Some(PyTuple::new(py, records)?))
    }
}

/// The words of `text` as the rule language splits them (`transforms.rulelang.words.split`: runs of
/// Python's `\w` joined across inner apostrophes, a trailing possessive 's dropped) and where each starts
/// in characters (it ends `len(word)` later). With `pieces` (the default) each Han, kana and Hangul
/// character is a word of its own; without, the words are `transforms.tokens.Words`' words.
#[pyfunction]
#[pyo3(signature = (text, pieces=true))]
fn split_words<'py>(py: Python<'py>, text: &Bound<'py, PyString>, pieces: bool) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
    let text = text.to_str()?;
    let mut found = Vec::new();
    words::split(text, pieces, &mut found);
    let ws = PyList::new(py, found.iter().map(|w| &text[w.byte_start as usize..w.byte_end as usize]))?;
    let starts = PyList::new(py, found.iter().map(|w| w.start))?;
    Ok((ws, starts))
}

/// `str.casefold(text)` from the compiled tables: how the core folds words (for tests).
#[pyfunction]
fn casefold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    words::fold_into(text, &mut out);
    out
}

/// `wirewatch.text.python_simple_text(text)` (HTMLParser's text of simple markup), or None where that is
/// None or the compiled reader declines (the Python one then answers).
#[pyfunction]
fn simple_text(text: &str) -> Option<String> {
    markup::simple_text(text)
}

/// `html.unescape(text)`, or None where Python's `int` could refuse a reference in it.
#[pyfunction]
fn unescape(text: &str) -> Option<String> {
    markup::unescape(text).map(|t| t.into_owned())
}

/// connectors.feeds.census's counts of the tags from `first` on, per local name in `census._LOCALS`' order:
/// names beginning with it, whole ones without a prefix, whole ones with a prefix.
#[pyfunction]
#[pyo3(name = "census")]
fn tag_census(data: &[u8], first: usize) -> [[u64; 12]; 3] {
    census::census(data, first)
}

/// connectors.feeds.rss_summaries' `_READ.finditer(data)`: each match's start, name and text (None where
/// the element is not text alone).
#[pyfunction]
fn summary_reads(data: &[u8]) -> Vec<(usize, &[u8], Option<&[u8]>)> {
    census::summary_reads(data)
}

/// Where `\xc2[\x80-\x9f]` (a C1 control in UTF-8) first matches in `data` from `first`, if anywhere.
#[pyfunction]
fn first_c1(data: &[u8], first: usize) -> Option<usize> {
    census::first_c1(data, first)
}

/// connectors.feeds.fastfeedparser_path's `_HOLDS_ELEMENTS` matches from `first` on: each one's name, as an
/// index in (description, summary, title, content:encoded).
#[pyfunction]
fn holding(data: &[u8], first: usize) -> Vec<usize> {
    census::holding(data, first)
}

/// `data.find(needle, start)` for a `start` within `data`, None for -1 (connectors.parsing.bytefind).
#[pyfunction]
fn find_bytes(data: &[u8], needle: &[u8], start: usize) -> Option<usize> {
    census::find(data, needle, start)
}

/// Whether `text` is surely NFC by the compiled check clean_text makes before asking Python (for tests).
#[pyfunction]
fn surely_nfc(text: &str) -> bool {
    markup::surely_nfc(text)
}

static NFC: pyo3::sync::GILOnceCell<Py<PyAny>> = pyo3::sync::GILOnceCell::new();

/// `wirewatch.text.python_clean_text(text)`, or with `html` what `clean` makes of markup before it (HTML
/// read even where `LOOKS_HTML` would not see it); None where the compiled path declines (markup of another
/// shape, for one), and the Python one then answers. NFC is Python's own `unicodedata.normalize`, called
/// where the text has a code point NFC may change (`markup::surely_nfc`).
#[pyfunction]
#[pyo3(signature = (text, html=false))]
fn clean_text(py: Python<'_>, text: &str, html: bool) -> PyResult<Option<String>> {
    let Some(head) = markup::clean_head(text, html) else { return Ok(None) };
    if head.is_ascii() || markup::surely_nfc(&head) {
        return Ok(Some(markup::clean_tail(&head)));
    }
    let normalize = NFC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("unicodedata")?.getattr("normalize")?.unbind())
    })?;
    let composed = normalize.call1(py, (intern!(py, "NFC"), head.as_ref()))?;
    let composed = composed.downcast_bound::<PyString>(py)?;
    Ok(Some(markup::clean_tail(composed.to_str()?)))
}

/// Where a frozen, slotted dataclass keeps each field in an instance: byte offsets, found once per class
/// (`Record::of`), or None where they could not be found (fields are then set through `setattr`).
type Layouts = Mutex<Vec<(Py<PyType>, Option<Vec<usize>>)>>;

/// A record class with its field names, and where its instances keep the fields.
struct Record<'a, 'py> {
    cls: Bound<'py, PyType>,
    names: &'a [&'a Bound<'py, PyString>],
    offsets: Option<Vec<usize>>,
}

impl<'a, 'py> Record<'a, 'py> {
    /// `cls`, whose layout is looked up in (or found and added to) `layouts`.
    fn of(layouts: &Layouts, cls: Bound<'py, PyType>, names: &'a [&'a Bound<'py, PyString>]) -> PyResult<Self> {
        let mut offsets = None;
        if let Ok(mut known) = layouts.try_lock() {
            match known.iter().find(|(k, _)| k.as_ptr() == cls.as_ptr()) {
                Some((_, found)) => offsets = found.clone(),
                None => {
                    offsets = slot_offsets(&cls, names)?;
                    known.push((cls.clone().unbind(), offsets.clone()));
                }
            }
        }
        Ok(Record { cls, names, offsets })
    }

    /// A new instance with its fields set in order, made as the dataclass's `__init__` makes it (allocate,
    /// then `object.__setattr__` per field: a slot's setter stores a new reference to the value) without a
    /// Python call per record: native.py checks that the class has no other initialisation.
    fn make(&self, values: &[&Bound<'py, PyAny>]) -> PyResult<Bound<'py, PyAny>> {
        let py = self.cls.py();
        // SAFETY: PyType_GenericAlloc returns a new, zeroed instance (or NULL with an exception set), owned
        // by the Bound. Each offset is where the instance keeps a field's object pointer (slot_offsets found
        // it there), still NULL: storing a new reference there is what the slot's setter does.
        // PyObject_GenericSetAttr only borrows its arguments.
        unsafe {
            let obj = Bound::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(self.cls.as_type_ptr(), 0))?;
            match &self.offsets {
                Some(offsets) => {
                    for (&at, value) in offsets.iter().zip(values) {
                        let slot = obj.as_ptr().cast::<u8>().add(at).cast::<*mut ffi::PyObject>();
                        *slot = (*value).clone().into_ptr();
                    }
                }
                None => {
                    for (name, value) in self.names.iter().zip(values) {
                        if ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) != 0 {
                            return Err(PyErr::fetch(py));
                        }
                    }
                }
            }
            Ok(obj)
        }
    }
}

/// Where instances of `cls` keep the fields `names`: an instance is given a new object per field through
/// `setattr`, and each object's address is looked for among the instance's pointer-sized words. None when
/// one is not found exactly once.
fn slot_offsets(cls: &Bound<'_, PyType>, names: &[&Bound<'_, PyString>]) -> PyResult<Option<Vec<usize>>> {
    let py = cls.py();
    let size: usize = cls.getattr("__basicsize__")?.extract()?;
    let marks: Vec<Bound<'_, PyList>> = names.iter().map(|_| PyList::empty(py)).collect();
    let word = std::mem::size_of::<usize>();
    // SAFETY: the instance is a new one of `cls`, `size` bytes long (its basic size: slotted classes have no
    // items); it is read as pointer-sized words only while it lives, and set only through setattr.
    unsafe {
        let obj = Bound::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(cls.as_type_ptr(), 0))?;
        for (name, mark) in names.iter().zip(&marks) {
            if ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), mark.as_ptr()) != 0 {
                return Err(PyErr::fetch(py));
            }
        }
        let base = obj.as_ptr().cast::<u8>();
        let mut offsets = Vec::with_capacity(names.len());
        for mark in &marks {
            let found: Vec<usize> = (2..size / word) // past the reference count and the type
                .map(|k| k * word)
                .filter(|&at| base.add(at).cast::<usize>().read() == mark.as_ptr() as usize)
                .collect();
            if found.len() != 1 {
                return Ok(None);
            }
            offsets.push(found[0]);
        }
        Ok(Some(offsets))
    }
}

#[pymethods]
impl Core {
    /// `plan`: (term count, streams (stem, form, other languages' stems), case rows, anchor rows, always,
    /// rules, rule facts, stream names, rule ids); see native.py.
    #[new]
    fn new(plan: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let n_terms: usize = plan.get_item(0)?.extract()?;
        let mut case: FxHashMap<u32, (Vec<String>, bool)> = FxHashMap::default();
        let case_rows: Vec<(u32, Vec<String>, bool)> = plan.get_item(2)?.extract()?;
        for (tid, written, prefix) in case_rows {
            if tid as usize >= n_terms {
                return Err(PyValueError::new_err("case term out of range"));
            }
            case.insert(tid, (written, prefix));
        }
        let mut streams = Vec::new();
        for s in plan.get_item(1)?.try_iter()? {
            streams.push(build_stream(&s?, n_terms, &case)?);
        }
        if streams.len() < 2 {
            return Err(PyValueError::new_err("a plan has at least the stem and form streams"));
        }
        let mut anchors: Vec<Vec<u32>> = vec![Vec::new(); n_terms];
        let anchor_rows: Vec<(usize, Vec<u32>)> = plan.get_item(3)?.extract()?;
        for (tid, rules) in anchor_rows {
            *anchors.get_mut(tid).ok_or_else(|| PyValueError::new_err("anchor term out of range"))? = rules;
        }
        let always_rules: Vec<u32> = plan.get_item(4)?.extract()?;
        let ids: Vec<String> = plan.get_item(8)?.extract()?;
        let n_rules = ids.len();
        let mut facts: FxHashMap<(String, String), u32> = FxHashMap::default();
        let mut rule_fact = vec![NO_FACT; n_rules];
        let fact_rows: Vec<(String, String, Vec<usize>)> = plan.get_item(6)?.extract()?;
        for (kind, value, of_rules) in fact_rows {
            let next = facts.len() as u32;
            let id = *facts.entry((kind, value)).or_insert(next);
            for r in of_rules {
                *rule_fact.get_mut(r).ok_or_else(|| PyValueError::new_err("fact rule out of range"))? = id;
            }
        }
        if anchors.iter().flatten().chain(&always_rules).any(|&r| r as usize >= n_rules) {
            return Err(PyValueError::new_err("rule index out of range"));
        }
        let check = |tid: u32| -> PyResult<()> {
            if (tid as usize) < n_terms { Ok(()) } else { Err(PyValueError::new_err("term id out of range")) }
        };
        let (rules, rule_at) = Rules::build(&plan.get_item(5)?, &ids, &check)?;
        let with_fact = |rules: Vec<u32>| -> Vec<(u32, u32)> {
            rules.into_iter().map(|r| (rule_at[r as usize], rule_fact[r as usize])).collect()
        };
        let always = with_fact(always_rules);
        let (anchor_at, anchors) = flatten(&anchors.into_iter().map(with_fact).collect::<Vec<_>>())?;
        let anchors = pages::in_huge_pages(anchors);
        let scratch = Mutex::new(Scratch::new(&anchor_at));
        let stems = Mutex::new(vec![FxHashMap::default(); streams.len() - 2]);
        Ok(Core { streams, case, anchor_at, anchors, always, rules, facts, scratch, stems, words: Mutex::default(), layouts: Mutex::default() })
    }

    /// The rules that fire on one story: ([(rule index, score, clause, set), ...] in rule order, sets), where
    /// `sets[set]` is the rule's occurrences (field, first word, last word), sorted and without repeats;
    /// rules with the same occurrences share a set. `stem_line` and `form_line` are the story's key lines
    /// (" k1 k2 ... "), `raw` its words as written joined the same way (for exact-case terms), `bounds` the
    /// word index where the dateline and the body start, `facts` the story view's facts. With `texts` (the
    /// story's title, dateline and body), each set is its evidence instead: (field, start, end) in characters.
    #[pyo3(signature = (stem_line, form_line, raw, bounds, facts, texts=None, extra=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn fire<'py>(
        &self,
        py: Python<'py>,
        stem_line: &str,
        form_line: &str,
        raw: &str,
        bounds: (u32, u32),
        facts: &Bound<'py, PyDict>,
        texts: Option<(Option<String>, Option<String>, Option<String>)>,
        extra: Vec<String>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let story = StoryIn { stem_line, form_line, raw, bounds, facts, extra: &extra, keys: None };
        let out = PyList::empty(py);
        let sets = PyList::empty(py);
        let mut set_ids: FxHashMap<Vec<Occ>, usize> = FxHashMap::default();
        let mut offsets: Option<Vec<WordAt>> = None; // word -> where it is in its field
        self.run(&story, |r, score, clause, occs| {
            let next = set_ids.len();
            let set = match set_ids.get(&occs) {
                Some(&k) => k,
                None => {
                    let items = match &texts {
                        None => occs.iter().map(|o| PyTuple::new(py, [o.0, o.1, o.2])).collect::<PyResult<Vec<_>>>()?,
                        Some((title, dateline, body)) => {
                            if offsets.is_none() {
                                offsets = Some(word_offsets(
                                    &split_raw(raw),
                                    (0, bounds.0, bounds.1),
                                    [title.as_deref(), dateline.as_deref(), body.as_deref()],
                                )?);
                            }
                            evidence(&occs, offsets.as_ref().unwrap())?
                                .into_iter()
                                .map(|o| PyTuple::new(py, [o.0, o.1, o.2]))
                                .collect::<PyResult<Vec<_>>>()?
                        }
                    };
                    sets.append(PyTuple::new(py, items)?)?;
                    set_ids.insert(occs, next);
                    next
                }
            };
            out.append((self.rules.index(r), score, self.rules.py_text(py, &clause)?, set))?;
            Ok(())
        })?;
        Ok((out, sets))
    }

    /// The story's matches as records, as transforms.match.Matcher.match makes them: a tuple of
    /// `kinds[1]` (RuleMatch: rule id, score, evidence spans, clause) in rule order, the spans
    /// `kinds[0]` records (Span: field name, start, end, text), one per place in the story. None when the
    /// matches are over `caps` (matches per story, spans per match, spans per story): the caller cuts them.
    /// The other arguments are `fire`'s, `texts` given.
    #[pyo3(signature = (stem_line, form_line, raw, bounds, facts, texts, extra, caps, kinds))]
    #[allow(clippy::too_many_arguments)]
    fn matches<'py>(
        &self,
        py: Python<'py>,
        stem_line: &str,
        form_line: &str,
        raw: &str,
        bounds: (u32, u32),
        facts: &Bound<'py, PyDict>,
        texts: (Option<Bound<'py, PyString>>, Option<Bound<'py, PyString>>, Option<Bound<'py, PyString>>),
        extra: Vec<String>,
        caps: (usize, usize, usize),
        kinds: (Bound<'py, PyType>, Bound<'py, PyType>),
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let story = StoryIn { stem_line, form_line, raw, bounds, facts, extra: &extra, keys: None };
        let fields = [text_of(&texts.0)?, text_of(&texts.1)?, text_of(&texts.2)?];
        self.records(py, &story, fields, caps, kinds, None)
    }

    /// `matches` from the story's texts alone: the words are split, folded and looked up here (the
    /// story view's words, key lines and word offsets made in one pass, as `words.split` and
    /// `StoryView` make them). `languages`: per stream after stem and form, the language whose stems it
    /// scans, or None where the story's words are not stemmed for it (an empty line). `stems_in(words,
    /// language)` gives the stemmed keys of words not seen before (`words.stem_keys_in`; "en" for the stem
    /// stream); they are kept in bounded tables of the core's own.
    #[pyo3(signature = (texts, facts, caps, kinds, languages, stems_in))]
    #[allow(clippy::too_many_arguments)]
    fn match_texts<'py>(
        &self,
        py: Python<'py>,
        texts: (Option<Bound<'py, PyString>>, Option<Bound<'py, PyString>>, Option<Bound<'py, PyString>>),
        facts: &Bound<'py, PyDict>,
        caps: (usize, usize, usize),
        kinds: (Bound<'py, PyType>, Bound<'py, PyType>),
        languages: Vec<Option<Bound<'py, PyString>>>,
        stems_in: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        if languages.len() + 2 != self.streams.len() {
            return Err(PyValueError::new_err("a language for each stream after stem and form"));
        }
        let fields = [text_of(&texts.0)?, text_of(&texts.1)?, text_of(&texts.2)?];
        let (all, offsets, bounds) = split_fields(fields);
        let mut guard = self.words.try_lock().ok();
        let mut own = WordTable::default();
        let table = match guard.as_deref_mut() {
            Some(t) => t,
            None => &mut own, // another thread has the table: this story's words alone
        };
        // Each word looked up once where the table knows them all (nearly always, once it has filled); else
        // only the words learnt are looked up again (all of them where the table was emptied to learn them).
        let mut slots: Vec<u32> = all.iter().map(|w| table.index.get(w).unwrap_or(NONE)).collect();
        if slots.contains(&NONE) {
            if self.learn(py, table, &all, &slots, stems_in)? {
                slots = all.iter().map(|w| table.index.get(w).unwrap_or(NONE)).collect();
            } else {
                for (slot, w) in slots.iter_mut().zip(&all) {
                    if *slot == NONE {
                        *slot = table.index.get(w).unwrap_or(NONE);
                    }
                }
            }
        }
        let entries: Vec<&WordKeys> = slots.iter().map(|&k| &table.keys[k as usize]).collect();
        let looked = LookedUp { raw: &all, entries: &entries };
        let mut extra = Vec::with_capacity(languages.len());
        for (k, language) in languages.iter().enumerate() {
            extra.push(match language {
                None => "  ".to_string(),
                Some(language) => self.stem_line(py, k, &all, &|ws| stems_in.call1((ws, language)))?,
            });
        }
        let story = StoryIn { stem_line: "", form_line: "", raw: "", bounds, facts, extra: &extra, keys: Some(&looked) };
        self.records(py, &story, fields, caps, kinds, Some(&offsets))
    }

    /// English stems for the word table from the Snowball library in `path` (a compiled module this process
    /// has loaded: PyStemmer's, whose stems `stems_in` gives), instead of asking `stems_in` for them. False
    /// where the library is not there (the core keeps asking).
    fn stem_with(&self, path: &str) -> bool {
        let Some(stemmer) = stemlib::Stemmer::from_loaded(path) else { return false };
        match self.words.lock() {
            Ok(mut table) => {
                table.stemmer = Some(stemmer);
                true
            }
            Err(_) => false,
        }
    }

    /// The stems the word table takes from the library (`stem_with`) for `words` (each case-folded first);
    /// None where it has none (for tests).
    fn library_stems(&self, words: Vec<String>) -> PyResult<Option<Vec<String>>> {
        let mut table = self.words.lock().map_err(|_| PyValueError::new_err("the word table is poisoned"))?;
        let Some(stemmer) = table.stemmer.as_mut() else { return Ok(None) };
        let mut out = Vec::with_capacity(words.len());
        for w in &words {
            let mut form = String::new();
            words::fold_into(w, &mut form);
            out.push(stemmer.stem(&form)?);
        }
        Ok(Some(out))
    }

    /// Pattern hits in a story's two key lines, found and counted only: what the per-story scan costs
    /// (bench/rules_speed.py compares it with Hyperscan's scan of the same lines).
    fn scan_count(&self, stem_line: &str, form_line: &str) -> usize {
        let mut found = Vec::new();
        let mut total = 0;
        for (stream, line) in self.streams.iter().zip([stem_line, form_line]) {
            stream.scan(line, &mut found);
            total += found.len();
        }
        total
    }

    /// Patterns per stream, for tests and diagnostics.
    fn pattern_counts(&self) -> Vec<usize> {
        self.streams.iter().map(|s| s.size).collect()
    }
}

#[pymodule]
fn wirewatch_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Core>()?;
    m.add_class::<minhash::MinHash>()?;
    m.add_class::<bands::Bands>()?;
    m.add_class::<phrases::PhraseTrie>()?;
    m.add_class::<geotag::PlaceScan>()?;
    m.add_class::<lines::ProseLines>()?;
    m.add_class::<lines::EnglishCheck>()?;
    m.add_class::<lines::HintLook>()?;
    m.add_function(wrap_pyfunction!(lines::sentence_ends, m)?)?;
    m.add_class::<feedread::FeedReader>()?;
    m.add("FEED_READER_VERSION", feedread::FEED_READER_VERSION)?;
    m.add_function(wrap_pyfunction!(feedread::feed_date, m)?)?;
    // The plan and call format this build understands; transforms/rulelang/native.py checks it, so a
    // stale build left in an environment is not used (the Python engine answers instead).
    m.add("PLAN_VERSION", PLAN_VERSION)?;
    m.add_function(wrap_pyfunction!(minhash::equal_values, m)?)?;
    m.add_function(wrap_pyfunction!(split_words, m)?)?;
    m.add_function(wrap_pyfunction!(casefold, m)?)?;
    m.add_function(wrap_pyfunction!(simple_text, m)?)?;
    m.add_function(wrap_pyfunction!(unescape, m)?)?;
    m.add_function(wrap_pyfunction!(clean_text, m)?)?;
    m.add_function(wrap_pyfunction!(tag_census, m)?)?;
    m.add_function(wrap_pyfunction!(summary_reads, m)?)?;
    m.add_function(wrap_pyfunction!(first_c1, m)?)?;
    m.add_function(wrap_pyfunction!(holding, m)?)?;
    m.add_function(wrap_pyfunction!(find_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(surely_nfc, m)?)?;
    // How many named references the text reader's table holds (from Python's html module, entities.rs):
    // wirewatch/text.py uses the reader only when this Python knows as many.
    m.add("ENTITY_COUNT", entities::NAMED.len())?;
    // The Unicode database the word splitter's tables come from: it splits as a Python with the same one.
    m.add("UNICODE_VERSION", unicode::UNICODE_VERSION)?;
    // A bug that panics surfaces as this exception (a BaseException): the engine catches it and answers
    // in Python for that story.
    m.add("PanicException", m.py().get_type::<pyo3::panic::PanicException>())?;
    Ok(())
}
