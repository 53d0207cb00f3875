//! The dedupe index's LSH band buckets, compiled (`transforms.dedupe.ClusterIndex`; `dedupe.PyBands` is the
//! reference and the tests compare the two). Each band's bucket is a set of heads in arrival order; a head is
//! a number here, its id kept once, so counting the heads a story shares buckets with hashes small integers
//! and never touches a Python object until the answer is made.

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::intern;
use pyo3::types::{PyDict, PyList, PyString};
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::collections::VecDeque;

/// One head: its id (the object and its text) and how many buckets hold it.
struct HeadId {
    id: Py<PyString>,
    text: Box<[u8]>,
    buckets: u32,
}

/// A bucket's heads in arrival order. Most buckets hold one head, kept inline: no allocation for it, none to
/// free when it goes (a story's 21 buckets were 21 allocations).
enum Bucket {
    One(u64),
    Many(VecDeque<u64>),
}

impl Bucket {
    fn slices(&self) -> (&[u64], &[u64]) {
        match self {
            Bucket::One(n) => (std::slice::from_ref(n), &[]),
            Bucket::Many(heads) => heads.as_slices(),
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &u64> {
        let (front, back) = self.slices();
        front.iter().chain(back)
    }

    fn len(&self) -> usize {
        let (front, back) = self.slices();
        front.len() + back.len()
    }

    fn contains(&self, head: u64) -> bool {
        self.iter().any(|n| *n == head)
    }

    fn push_back(&mut self, head: u64) {
        match self {
            Bucket::One(first) => {
                let mut heads = VecDeque::with_capacity(4);
                heads.extend([*first, head]);
                *self = Bucket::Many(heads);
            }
            Bucket::Many(heads) => heads.push_back(head),
        }
    }

    /// Takes `head` out; None where the bucket does not hold it, else whether the bucket is left empty.
    fn remove(&mut self, head: u64) -> Option<bool> {
        match self {
            Bucket::One(n) => (*n == head).then_some(true),
            Bucket::Many(heads) => {
                let at = heads.iter().position(|n| *n == head)?; // mostly the oldest, at the front
                heads.remove(at);
                Some(heads.is_empty())
            }
        }
    }
}

#[pyclass(module = "wirewatch_native")]
pub struct Bands {
    width: usize,
    count: usize,
    buckets: Vec<FxHashMap<u128, Bucket>>,
    heads: FxHashMap<u64, HeadId>,
    numbers: FxHashMap<Box<[u8]>, u64>,
    next: u64,
    // the counting's scratch, kept between calls: head -> its place in `order` and `counts`
    tally: FxHashMap<u64, u32>,
    order: Vec<u64>,
    counts: Vec<u32>,
}

/// A str's text as UTF-8; a lone surrogate as Python's "surrogatepass" writes it (the order of code points
/// is the order of these bytes either way).
fn text_of(id: &Bound<'_, PyString>) -> PyResult<Box<[u8]>> {
    match id.to_str() {
        Ok(text) => Ok(text.as_bytes().into()),
        Err(_) => {
            let raw = id.call_method1("encode", ("utf-8", "surrogatepass"))?;
            Ok(raw.extract::<Vec<u8>>()?.into_boxed_slice())
        }
    }
}

impl Bands {
    fn keys<'a>(&self, signature: &'a [u8]) -> PyResult<impl Iterator<Item = u128> + 'a> {
        if signature.len() < self.width * self.count {
            return Err(PyValueError::new_err("signature shorter than the bands"));
        }
        let width = self.width;
        Ok(signature.chunks_exact(width).take(self.count).map(|chunk| {
            let mut key = [0u8; 16];
            key[..chunk.len()].copy_from_slice(chunk);
            u128::from_le_bytes(key)
        }))
    }

    fn number(&self, text: &[u8]) -> Option<u64> {
        self.numbers.get(text).copied()
    }
}

#[pymethods]
impl Bands {
    /// `count` bands of `width` bytes each (at most 16) of a signature.
    #[new]
    fn new(count: usize, width: usize) -> PyResult<Self> {
        if width == 0 || width > 16 || count == 0 {
            return Err(PyValueError::new_err("bands of 1 to 16 bytes, at least one band"));
        }
        Ok(Bands {
            width,
            count,
            buckets: (0..count).map(|_| FxHashMap::default()).collect(),
            heads: FxHashMap::default(),
            numbers: FxHashMap::default(),
            next: 0,
            tally: FxHashMap::default(),
            order: Vec::new(),
            counts: Vec::new(),
        })
    }

    /// The head `id` joins each band's bucket of `signature` (where it is already, it keeps its place).
    fn add(&mut self, id: &Bound<'_, PyString>, signature: &[u8]) -> PyResult<()> {
        let text = text_of(id)?;
        let keys: Vec<u128> = self.keys(signature)?.collect();
        let (number, known) = match self.number(&text) {
            Some(n) => (n, true),
            None => {
                let n = self.next;
                self.next += 1;
                self.numbers.insert(text.clone(), n);
                self.heads.insert(n, HeadId { id: id.clone().unbind(), text, buckets: 0 });
                (n, false)
            }
        };
        let mut joined = 0;
        for (band, key) in self.buckets.iter_mut().zip(keys) {
            match band.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(Bucket::One(number));
                }
                Entry::Occupied(mut slot) => {
                    // a new head is in no bucket yet; a known one only where it joined before (rare: an id sent
                    // again)
                    if known && slot.get().contains(number) {
                        continue;
                    }
                    slot.get_mut().push_back(number);
                }
            }
            joined += 1;
        }
        if let Some(head) = self.heads.get_mut(&number) {
            head.buckets += joined;
        }
        Ok(())
    }

    /// The head `id` leaves each band's bucket of `signature`; a bucket left empty goes. KeyError, as the
    /// reference's, where a band has no bucket of that signature at all (the bands before it are done).
    fn remove(&mut self, id: &Bound<'_, PyString>, signature: &[u8]) -> PyResult<()> {
        let text = text_of(id)?;
        let number = self.number(&text);
        let keys: Vec<u128> = self.keys(signature)?.collect();
        for (band, key) in self.buckets.iter_mut().zip(keys) {
            let Entry::Occupied(mut slot) = band.entry(key) else {
                return Err(PyKeyError::new_err("no bucket of this signature"));
            };
            let Some(number) = number else { continue };
            if let Some(emptied) = slot.get_mut().remove(number) {
                if emptied {
                    slot.remove();
                }
                if let Entry::Occupied(mut head) = self.heads.entry(number) {
                    head.get_mut().buckets -= 1;
                    if head.get().buckets == 0 {
                        let gone = head.remove();
                        self.numbers.remove(&gone.text);
                    }
                }
            }
        }
        Ok(())
    }

    /// The heads to compare with a story of `signature`: of each of its band buckets, all the heads where
    /// there are at most `scan` (oldest first), else the newest `scan` (newest first); counted over the
    /// buckets, the `limit` heads found most often, ties to the smallest id, those above the tie in order of
    /// first finding, then the tied by id. Empty where no band has a bucket.
    fn candidates<'py>(&mut self, py: Python<'py>, signature: &[u8], scan: usize, limit: usize)
                       -> PyResult<Bound<'py, PyList>> {
        let keys: Vec<u128> = self.keys(signature)?.collect();
        self.tally.clear();
        self.order.clear();
        self.counts.clear();
        for (band, key) in self.buckets.iter().zip(keys) {
            let Some(bucket) = band.get(&key) else { continue };
            let mut count = |n: u64| match self.tally.entry(n) {
                Entry::Occupied(slot) => self.counts[*slot.get() as usize] += 1,
                Entry::Vacant(slot) => {
                    slot.insert(self.order.len() as u32);
                    self.order.push(n);
                    self.counts.push(1);
                }
            };
            if bucket.len() <= scan {
                bucket.iter().for_each(|n| count(*n));
            } else {
                bucket.iter().rev().take(scan).for_each(|n| count(*n));
            }
        }
        let id = |n: &u64| self.heads[n].id.bind(py).clone();
        if self.order.len() <= limit {
            return PyList::new(py, self.order.iter().map(id));
        }
        if limit == 0 {
            return Ok(PyList::empty(py));
        }
        // the count of the last one taken (the limit-th highest), from how many heads have each count
        let mut many = vec![0usize; self.count + 1];
        for &c in &self.counts {
            many[c as usize] += 1;
        }
        let (mut cut, mut above) = (self.count, 0);
        while above + many[cut] < limit {
            above += many[cut];
            cut -= 1;
        }
        let cut = cut as u32;
        let found = || self.order.iter().zip(&self.counts);
        let mut out: Vec<Bound<'py, PyString>> = found().filter(|(_, &c)| c > cut).map(|(n, _)| id(n)).collect();
        let mut tied: Vec<(&[u8], u64)> =
            found().filter(|(_, &c)| c == cut).map(|(n, _)| (&*self.heads[n].text, *n)).collect();
        let room = limit - out.len();
        if room < tied.len() {
            tied.select_nth_unstable_by(room - 1, |a, b| a.0.cmp(b.0));
            tied.truncate(room);
        }
        tied.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out.extend(tied.iter().map(|(_, n)| id(n)));
        PyList::new(py, out)
    }

    /// What `ClusterIndex._near` compares (`dedupe.PyBands.compared` is the reference): the `candidates`'
    /// fingerprints from `heads` (KeyError for a head it lacks), less those whose figures share none with
    /// `numbers` where both have figures; their ids and fingerprints, or None where none is left.
    fn compared<'py>(&mut self, py: Python<'py>, signature: &[u8], scan: usize, limit: usize,
                     heads: &Bound<'py, PyDict>, numbers: &Bound<'py, PyAny>)
                     -> PyResult<Option<(Bound<'py, PyList>, Bound<'py, PyList>)>> {
        let candidates = self.candidates(py, signature, scan, limit)?;
        let mine = numbers.len()?;
        let (ids, fingerprints) = (PyList::empty(py), PyList::empty(py));
        for id in candidates.iter() {
            let Some(fp) = heads.get_item(&id)? else { return Err(PyKeyError::new_err((id.unbind(),))) };
            if mine > 0 {
                let theirs = fp.getattr(intern!(py, "numbers"))?;
                if theirs.len()? > 0 && !shares(&theirs, numbers)? {
                    continue;
                }
            }
            ids.append(id)?;
            fingerprints.append(fp)?;
        }
        Ok(if ids.is_empty() { None } else { Some((ids, fingerprints)) })
    }

    /// Every head some bucket holds, each once (for tests and checks).
    fn members<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyString>> {
        self.heads.values().map(|h| h.id.bind(py).clone()).collect()
    }

    /// The heads of band `band`'s bucket of `signature`, in arrival order (for tests).
    fn bucket<'py>(&self, py: Python<'py>, band: usize, signature: &[u8]) -> PyResult<Vec<Bound<'py, PyString>>> {
        let key = self.keys(signature)?.nth(band).ok_or_else(|| PyValueError::new_err("no such band"))?;
        Ok(self.buckets[band].get(&key).map_or_else(Vec::new, |b| {
            b.iter().map(|n| self.heads[n].id.bind(py).clone()).collect()
        }))
    }
}

/// Whether any item of `some` is in `other`.
fn shares(some: &Bound<'_, PyAny>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
    for item in some.try_iter()? {
        if other.contains(item?)? {
            return Ok(true);
        }
    }
    Ok(false)
}
