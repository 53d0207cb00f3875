//! The rules of a watch list in one contiguous byte array, and their evaluation. A story's candidate rules
//! are a few hundred scattered among up to 100,000: laid out as a tree of boxes and vectors, each candidate
//! cost several cache misses (the rule, its nodes, each leaf's term ids, its clause text) before any work.
//! Here a rule is one run of bytes, its id and clause texts included, so evaluating it and naming what
//! fired touch the same few cache lines.
//!
//! Layout (little-endian; `str` is a u32 byte length then the UTF-8 bytes; `f64` its 8 bytes):
//! A rule is named by where it starts in the array (its offset), so that the candidates found through
//! the anchor rows lead straight to it; its index in the watch list is in its header.
//!
//! - a rule: u32 its index, u8 mode (0 whole, 1 simple OR, 2 alternatives), u8 has threshold, f64
//!   threshold, str rule id,
//!   then by mode: a node and its str text; u32 parts and per part (f64 weight times the root's weight,
//!   u32 term count, u32 term ids, str text); f64 the root's weight, u32 alternatives and per alternative
//!   (a node, str text).
//! - a node: u8 kind, u32 its size in bytes (header included), then by kind: leaf (u32 field or NO_SCOPE,
//!   f64 weight, u32 term count, u32 term ids); predicate (u8 fact, f64 weight, str value: for source,
//!   credit and publisher " value ", as the fact holds words); NOT (f64 weight, node); AND, OR (f64
//!   weight, u32 count, nodes); NEAR, ONEAR (f64 weight, u32 distance, node, node).

use std::borrow::Cow;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::{Hits, Occ, FIELD_COUNT};

/// A clause's score and occurrences when it holds: a term's occurrence list is borrowed, not copied (most
/// clauses evaluated belong to rules that do not fire).
type Res<'a> = Option<(f64, Cow<'a, [Occ]>)>;

const NO_SCOPE: u32 = u32::MAX;
const LEAF: u8 = 0;
const PRED: u8 = 1;
const NOT: u8 = 2;
const AND: u8 = 3;
const OR: u8 = 4;
const NEAR: u8 = 5;
const ONEAR: u8 = 6;
const WHOLE: u8 = 0;
const SIMPLE: u8 = 1;
const ALTERNATIVES: u8 = 2;
const FACT_NAMES: [&str; 6] = ["country", "region", "lang", "source", "credit", "publisher"];

/// The clause that held, by where its text is in the rule array, or made of several ("a OR b").
pub(crate) enum Clause {
    At(usize),
    Joined(String),
}

/// (score, occurrences, clause) of a rule that fired.
pub(crate) type FiredRule = (f64, Vec<Occ>, Clause);

pub(crate) struct Rules {
    code: Vec<u8>,
}

const ID_AT: usize = 4 + 1 + 1 + 8; // where the id is in a rule

/// Reading the array from a position on.
struct Cur<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cur<'a> {
    #[inline]
    fn u8(&mut self) -> u8 {
        self.at += 1;
        self.b[self.at - 1]
    }
    #[inline]
    fn u32(&mut self) -> u32 {
        self.at += 4;
        u32::from_le_bytes(self.b[self.at - 4..self.at].try_into().unwrap())
    }
    #[inline]
    fn f64(&mut self) -> f64 {
        self.at += 8;
        f64::from_le_bytes(self.b[self.at - 8..self.at].try_into().unwrap())
    }
    #[inline]
    fn bytes(&mut self) -> &'a [u8] {
        let n = self.u32() as usize;
        self.at += n;
        &self.b[self.at - n..self.at]
    }
    /// `count` u32 values from here on, skipped.
    #[inline]
    fn ids(&mut self, count: usize) -> impl Iterator<Item = u32> + 'a {
        let start = self.at;
        self.at += 4 * count;
        self.b[start..self.at].chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap()))
    }
    #[inline]
    fn skip_str(&mut self) {
        let n = self.u32() as usize;
        self.at += n;
    }
}

/// Writing a rule.
struct Out<'a>(&'a mut Vec<u8>);

impl Out<'_> {
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn f64(&mut self, x: f64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn str(&mut self, s: &str) -> PyResult<()> {
        let n = u32::try_from(s.len()).map_err(|_| PyValueError::new_err("a text too long"))?;
        self.u32(n);
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
    fn ids(&mut self, ids: &[u32]) -> PyResult<()> {
        self.u32(u32::try_from(ids.len()).map_err(|_| PyValueError::new_err("too many terms"))?);
        ids.iter().for_each(|&t| self.u32(t));
        Ok(())
    }
    /// A node from its plan tuple (see native.py `_node`).
    fn node(&mut self, obj: &Bound<'_, PyAny>, check: &dyn Fn(u32) -> PyResult<()>) -> PyResult<()> {
        let t = obj.downcast::<PyTuple>()?;
        let kind: i64 = t.get_item(0)?.extract()?;
        let start = self.0.len();
        let kind = u8::try_from(kind).ok().filter(|k| *k <= ONEAR)
            .ok_or_else(|| PyValueError::new_err(format!("unknown node kind {kind}")))?;
        self.u8(kind);
        self.u32(0); // the size, set below
        match kind {
            LEAF => {
                let scope: i64 = t.get_item(1)?.extract()?;
                if scope >= FIELD_COUNT {
                    return Err(PyValueError::new_err("leaf scope out of range"));
                }
                self.u32(if scope < 0 { NO_SCOPE } else { scope as u32 });
                self.f64(t.get_item(2)?.extract()?);
                let tids: Vec<u32> = t.get_item(3)?.extract()?;
                tids.iter().try_for_each(|&tid| check(tid))?;
                self.ids(&tids)?;
            }
            PRED => {
                let name: String = t.get_item(1)?.extract()?;
                let fact = FACT_NAMES.iter().position(|n| *n == name)
                    .ok_or_else(|| PyValueError::new_err(format!("unknown predicate {name}")))?;
                self.u8(fact as u8);
                self.f64(t.get_item(3)?.extract()?);
                let value: String = t.get_item(2)?.extract()?;
                self.str(&if fact >= 3 { format!(" {value} ") } else { value })?;
            }
            _ => {
                self.f64(t.get_item(1)?.extract()?);
                let args: Vec<Bound<'_, PyAny>> = t.get_item(3)?.try_iter()?.collect::<PyResult<_>>()?;
                match kind {
                    NOT => {
                        let inner = args.last().ok_or_else(|| PyValueError::new_err("NOT needs one argument"))?;
                        self.node(inner, check)?;
                    }
                    AND | OR => {
                        self.u32(args.len() as u32);
                        args.iter().try_for_each(|a| self.node(a, check))?;
                    }
                    _ => {
                        if args.len() != 2 {
                            return Err(PyValueError::new_err("NEAR needs two arguments"));
                        }
                        self.u32(t.get_item(2)?.extract()?);
                        args.iter().try_for_each(|a| self.node(a, check))?;
                    }
                }
            }
        }
        let size = u32::try_from(self.0.len() - start).map_err(|_| PyValueError::new_err("a rule too large"))?;
        self.0[start + 1..start + 5].copy_from_slice(&size.to_le_bytes());
        Ok(())
    }
}

fn node_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let t = obj.downcast::<PyTuple>()?;
    t.get_item(t.len() - 1)?.extract()
}

impl Rules {
    /// From the plan's rules, (mode, threshold, root node, simple parts) each, and their ids; `check`
    /// refuses a term id out of range. Also where each rule starts.
    pub(crate) fn build(
        rules: &Bound<'_, PyAny>,
        ids: &[String],
        check: &dyn Fn(u32) -> PyResult<()>,
    ) -> PyResult<(Self, Vec<u32>)> {
        let mut code = Vec::new();
        let mut at = Vec::new();
        for (r, obj) in rules.try_iter()?.enumerate() {
            let obj = obj?;
            let t = obj.downcast::<PyTuple>()?;
            let id = ids.get(r).ok_or_else(|| PyValueError::new_err("a rule without an id"))?;
            at.push(u32::try_from(code.len()).map_err(|_| PyValueError::new_err("rules too large"))?);
            let mut out = Out(&mut code);
            out.u32(r as u32);
            let mode: i64 = t.get_item(0)?.extract()?;
            let threshold: Option<f64> = t.get_item(1)?.extract()?;
            let mode = u8::try_from(mode).ok().filter(|m| *m <= ALTERNATIVES)
                .ok_or_else(|| PyValueError::new_err(format!("unknown root mode {mode}")))?;
            out.u8(mode);
            out.u8(threshold.is_some() as u8);
            out.f64(threshold.unwrap_or(0.0));
            out.str(id)?;
            let node = t.get_item(2)?;
            match mode {
                WHOLE => {
                    out.node(&node, check)?;
                    out.str(&node_text(&node)?)?;
                }
                SIMPLE => {
                    let parts: Vec<(Vec<u32>, f64, String)> = t.get_item(3)?.extract()?;
                    out.u32(parts.len() as u32);
                    for (tids, weight, text) in &parts {
                        tids.iter().try_for_each(|&tid| check(tid))?;
                        out.f64(*weight);
                        out.ids(tids)?;
                        out.str(text)?;
                    }
                }
                _ => {
                    let nt = node.downcast::<PyTuple>()?;
                    out.f64(nt.get_item(1)?.extract()?);
                    let args: Vec<Bound<'_, PyAny>> = nt.get_item(3)?.try_iter()?.collect::<PyResult<_>>()?;
                    out.u32(args.len() as u32);
                    for a in &args {
                        out.node(a, check)?;
                        out.str(&node_text(a)?)?;
                    }
                }
            }
        }
        if at.len() != ids.len() {
            return Err(PyValueError::new_err("rules and ids differ in number"));
        }
        Ok((Rules { code: crate::pages::in_huge_pages(code) }, at))
    }

    /// The id of the rule at `at`.
    pub(crate) fn id(&self, at: u32) -> &[u8] {
        Cur { b: &self.code, at: at as usize + ID_AT }.bytes()
    }

    /// The watch-list index of the rule at `at`.
    pub(crate) fn index(&self, at: u32) -> u32 {
        Cur { b: &self.code, at: at as usize }.u32()
    }

    /// Asks for the rule at `at` to be brought into the cache, ahead of its evaluation.
    #[inline(always)]
    pub(crate) fn prefetch(&self, at: u32) {
        // A rule with its texts spans a few cache lines: its first three.
        for line in 0..3 {
            if let Some(p) = self.code.get(at as usize + 64 * line) {
                crate::prefetch(p);
            }
        }
    }

    /// A clause's text.
    pub(crate) fn text<'a>(&'a self, clause: &'a Clause) -> &'a [u8] {
        match clause {
            Clause::At(at) => Cur { b: &self.code, at: *at }.bytes(),
            Clause::Joined(text) => text.as_bytes(),
        }
    }

    /// A clause as a new Python string.
    pub(crate) fn py_text<'py>(&self, py: Python<'py>, clause: &Clause) -> PyResult<Bound<'py, PyString>> {
        py_str(py, self.text(clause))
    }
}

/// A Python string of UTF-8 bytes (Python checks them).
pub(crate) fn py_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    // SAFETY: PyUnicode_FromStringAndSize reads `bytes.len()` bytes from a valid pointer and returns a new
    // reference or NULL with an exception set.
    unsafe {
        let obj = pyo3::ffi::PyUnicode_FromStringAndSize(bytes.as_ptr().cast(), bytes.len() as pyo3::ffi::Py_ssize_t);
        Ok(Bound::from_owned_ptr_or_err(py, obj)?.downcast_into_unchecked())
    }
}

struct Facts {
    country: Vec<String>,
    region: Vec<String>,
    lang: String,
    source: String,
    credit: String,
    publisher: String,
}

fn within(left: &[Occ], right: &[Occ], n: u32, ordered: bool) -> Vec<Occ> {
    let mut out = Vec::new();
    for &(fa, a0, a1) in left {
        for &(fb, b0, b1) in right {
            if fa != fb || (a0 == b0 && a1 == b1) {
                continue;
            }
            let gap = if b0 > a1 {
                b0 - a1 - 1
            } else if a0 > b1 && !ordered {
                a0 - b1 - 1
            } else {
                continue;
            };
            if gap <= n {
                out.push((fa, a0.min(b0), a1.max(b1)));
            }
        }
    }
    out
}

pub(crate) struct Eval<'a, 'py> {
    pub(crate) hits: Hits<'a>,
    pub(crate) facts_obj: &'a Bound<'py, PyDict>,
    facts: Option<Facts>,
    code: &'a [u8],
}

impl<'a, 'py> Eval<'a, 'py> {
    pub(crate) fn new(rules: &'a Rules, hits: Hits<'a>, facts_obj: &'a Bound<'py, PyDict>) -> Self {
        Eval { hits, facts_obj, facts: None, code: &rules.code }
    }

    fn facts(&mut self) -> PyResult<&Facts> {
        if self.facts.is_none() {
            let d = self.facts_obj;
            let strings = |key: &str| -> PyResult<Vec<String>> {
                match d.get_item(key)? {
                    Some(v) => {
                        let mut out = Vec::new();
                        for x in v.try_iter()? {
                            out.push(x?.extract()?);
                        }
                        Ok(out)
                    }
                    None => Ok(Vec::new()),
                }
            };
            let text = |key: &str| -> PyResult<String> {
                match d.get_item(key)? {
                    Some(v) => v.extract(),
                    None => Ok(String::new()),
                }
            };
            self.facts = Some(Facts {
                country: strings("country")?,
                region: strings("region")?,
                lang: text("lang")?,
                source: text("source")?,
                credit: text("credit")?,
                publisher: text("publisher")?,
            });
        }
        Ok(self.facts.as_ref().unwrap())
    }

    fn leaf(&self, c: &mut Cur<'_>) -> Res<'a> {
        let scope = c.u32();
        let weight = c.f64();
        let n = c.u32() as usize;
        let mut tids = c.ids(n);
        if n == 1 && scope == NO_SCOPE {
            let occs = self.hits.get(tids.next().unwrap())?;
            return Some((weight * occs.len() as f64, Cow::Borrowed(occs)));
        }
        let mut occs: Vec<Occ> = Vec::new();
        for t in tids {
            if let Some(found) = self.hits.get(t) {
                occs.extend_from_slice(found);
            }
        }
        if scope != NO_SCOPE {
            occs.retain(|o| o.0 == scope);
        }
        if occs.is_empty() {
            return None;
        }
        if n > 1 {
            occs.sort_unstable();
            occs.dedup();
        }
        Some((weight * occs.len() as f64, Cow::Owned(occs)))
    }

    /// The node at `at`.
    fn node(&mut self, at: usize) -> PyResult<Res<'a>> {
        let mut c = Cur { b: self.code, at };
        let kind = c.u8();
        c.u32(); // size
        Ok(match kind {
            LEAF => self.leaf(&mut c),
            PRED => {
                let fact = c.u8();
                let weight = c.f64();
                let value = std::str::from_utf8(c.bytes()).map_err(|_| PyValueError::new_err("a damaged rule"))?;
                let facts = self.facts()?;
                let holds = match fact {
                    0 => facts.country.iter().any(|x| x == value),
                    1 => facts.region.iter().any(|x| x == value),
                    2 => {
                        let lang = facts.lang.as_str();
                        lang.split('-').next() == value.split('-').next() && (!value.contains('-') || lang == value)
                    }
                    3 => facts.source.contains(value),
                    4 => facts.credit.contains(value),
                    _ => facts.publisher.contains(value),
                };
                if holds { Some((weight, Cow::Borrowed(&[][..]))) } else { None }
            }
            NOT => {
                let weight = c.f64();
                if self.node(c.at)?.is_some() {
                    None
                } else {
                    Some((if weight == 1.0 { 0.0 } else { weight }, Cow::Borrowed(&[][..])))
                }
            }
            AND | OR => {
                let weight = c.f64();
                let n = c.u32();
                let mut at = c.at;
                let mut score = 0.0;
                let mut occs: Cow<'a, [Occ]> = Cow::Borrowed(&[]);
                let mut held = false;
                for _ in 0..n {
                    match self.node(at)? {
                        None if kind == AND => return Ok(None),
                        None => {}
                        Some((s, o)) => {
                            held = true;
                            score += s;
                            if occs.is_empty() {
                                occs = o;
                            } else {
                                occs.to_mut().extend_from_slice(&o);
                            }
                        }
                    }
                    at += self.size(at);
                }
                if held || kind == AND { Some((weight * score, occs)) } else { None }
            }
            NEAR | ONEAR => {
                let weight = c.f64();
                let distance = c.u32();
                let left = c.at;
                let Some((_, a)) = self.node(left)? else { return Ok(None) };
                let Some((_, b)) = self.node(left + self.size(left))? else { return Ok(None) };
                let pairs = within(&a, &b, distance, kind == ONEAR);
                if pairs.is_empty() { None } else { Some((weight * pairs.len() as f64, Cow::Owned(pairs))) }
            }
            _ => return Err(PyValueError::new_err("a damaged rule")),
        })
    }

    #[inline]
    fn size(&self, at: usize) -> usize {
        Cur { b: self.code, at: at + 1 }.u32() as usize
    }

    /// (score, occurrences, clause) when the rule at `at` fires.
    pub(crate) fn rule(&mut self, at: u32) -> PyResult<Option<FiredRule>> {
        let mut c = Cur { b: self.code, at: at as usize + 4 };
        let mode = c.u8();
        let threshold = if c.u8() != 0 { Some(c.f64()) } else { c.f64(); None };
        c.skip_str(); // the id
        match mode {
            WHOLE => {
                let at = c.at;
                Ok(match self.node(at)? {
                    Some((score, occs)) if threshold.is_none_or(|t| score >= t) => {
                        Some((score, occs.into_owned(), Clause::At(at + self.size(at))))
                    }
                    _ => None,
                })
            }
            ALTERNATIVES => {
                let weight = c.f64();
                let n = c.u32();
                let mut score = 0.0;
                let mut occs = Vec::new();
                let mut held: Vec<usize> = Vec::new();
                let mut at = c.at;
                for _ in 0..n {
                    let text = at + self.size(at);
                    if let Some((s, o)) = self.node(at)? {
                        held.push(text);
                        score += s;
                        occs.extend_from_slice(&o);
                    }
                    let mut t = Cur { b: self.code, at: text };
                    t.skip_str();
                    at = t.at;
                }
                if held.is_empty() || threshold.is_some_and(|t| weight * score < t) {
                    return Ok(None);
                }
                Ok(Some((weight * score, occs, self.joined(&held)?)))
            }
            _ => {
                let n = c.u32();
                let parts = c.at;
                if let Some(t) = threshold {
                    let mut bound = 0.0; // in flat order, as the Python engine adds it
                    for _ in 0..n {
                        let w = c.f64();
                        let count = c.u32() as usize;
                        for tid in c.ids(count) {
                            if let Some(found) = self.hits.get(tid) {
                                bound += w * found.len() as f64;
                            }
                        }
                        c.skip_str();
                    }
                    if bound < t {
                        return Ok(None);
                    }
                    c.at = parts;
                }
                let mut score = 0.0;
                let mut occs = Vec::new();
                let mut held: Vec<usize> = Vec::new();
                for _ in 0..n {
                    let w = c.f64();
                    let count = c.u32() as usize;
                    let start = occs.len();
                    for tid in c.ids(count) {
                        if let Some(found) = self.hits.get(tid) {
                            occs.extend_from_slice(found);
                        }
                    }
                    let text = c.at;
                    c.skip_str();
                    if occs.len() == start {
                        continue;
                    }
                    if count > 1 {
                        let mut part = occs.split_off(start);
                        part.sort_unstable();
                        part.dedup();
                        occs.extend(part);
                    }
                    score += w * (occs.len() - start) as f64;
                    held.push(text);
                }
                if held.is_empty() || threshold.is_some_and(|t| score < t) {
                    return Ok(None);
                }
                Ok(Some((score, occs, self.joined(&held)?)))
            }
        }
    }

    /// The clauses that held, named as the Python engine names them: "a OR b".
    fn joined(&self, held: &[usize]) -> PyResult<Clause> {
        if held.len() == 1 {
            return Ok(Clause::At(held[0]));
        }
        let mut text = String::new();
        for (i, &at) in held.iter().enumerate() {
            if i > 0 {
                text.push_str(" OR ");
            }
            let part = Cur { b: self.code, at }.bytes();
            text.push_str(std::str::from_utf8(part).map_err(|_| PyValueError::new_err("a damaged rule"))?);
        }
        Ok(Clause::Joined(text))
    }
}
