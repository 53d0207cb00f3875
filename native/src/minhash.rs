//! A story's dedupe fingerprint, compiled: the same values as `transforms/dedupe.py` (the reference, which
//! tests compare with this on arbitrary words). MinHash: shingle i is words i..i+k joined by single spaces
//! (fewer than k words: one shingle of them all), hashed as UTF-8 by XXH64 with seed 0; value j of the
//! signature is the top 32 bits of the least `h * a[j] + b[j]` (wrapping u64 arithmetic) over the
//! shingles, little-endian. `fingerprint` also folds the words (`str.casefold`), hashes them joined by
//! spaces (XXH3-128, as hex) and picks out the words with a digit.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_128;
use xxhash_rust::xxh64::xxh64;

use crate::words::{fold_into, split, words_in, Word};

/// The permutations (multipliers and offsets) and the shingle length, fixed when made.
#[pyclass(frozen, module = "wirewatch_native")]
pub struct MinHash {
    a: Vec<u64>,
    b: Vec<u64>,
    shingle: usize,
}

fn u64s(raw: &[u8]) -> Vec<u64> {
    raw.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// The items of a list of str (their UTF-8 is read in place: a lone surrogate raises UnicodeEncodeError).
pub fn strs<'py>(list: &Bound<'py, PyList>) -> PyResult<Vec<Bound<'py, PyString>>> {
    list.iter().map(|w| w.downcast_into::<PyString>().map_err(PyErr::from)).collect()
}

#[pymethods]
impl MinHash {
    /// `a`, `b`: the permutations as little-endian uint64 bytes of one length; `shingle`: words per shingle.
    #[new]
    fn new(a: &[u8], b: &[u8], shingle: usize) -> PyResult<Self> {
        if a.len() != b.len() || a.len() % 8 != 0 || a.is_empty() || shingle == 0 {
            return Err(PyValueError::new_err("MinHash: a and b must be uint64 arrays of one length, shingle >= 1"));
        }
        Ok(MinHash { a: u64s(a), b: u64s(b), shingle })
    }

    /// The signature of `words` (a list of str), as bytes of little-endian uint32.
    fn signature<'py>(&self, py: Python<'py>, words: &Bound<'py, PyList>) -> PyResult<Bound<'py, PyBytes>> {
        let items = strs(words)?;
        let mut joined = String::new();
        let mut bounds = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                joined.push(' ');
            }
            let start = joined.len();
            joined.push_str(item.to_str()?);
            bounds.push((start, joined.len()));
        }
        Ok(PyBytes::new(py, &self.sign(&joined, &bounds)))
    }

    /// The fingerprint of the words as written (a list of str), case-folded here: (the XXH3-128 of the
    /// folded words joined by spaces, as 32 hex digits; the signature; the distinct words with a digit in
    /// order of appearance, at most `max_numbers`, or None when the folded words are not all ASCII, where
    /// Python's `str.isdigit` decides; how many words).
    fn fingerprint<'py>(&self, py: Python<'py>, words: &Bound<'py, PyList>, max_numbers: usize)
                        -> PyResult<(String, Bound<'py, PyBytes>, Option<Vec<String>>, usize)> {
        let items = strs(words)?;
        let written = items.iter().map(|w| w.to_str()).collect::<PyResult<Vec<&str>>>()?;
        Ok(self.fingerprint_of(py, &written, max_numbers))
    }

    /// `fingerprint` of a story's words split here as `transforms.tokens.Words` splits them with the compiled
    /// splitter (`split_words(text, False)`), as `transforms.dedupe._words` picks them: the body's words, after
    /// the title's when the body has fewer than `short` words and there is a title. No word becomes a Python
    /// string. A lone surrogate raises UnicodeEncodeError, as `fingerprint` does.
    #[pyo3(signature = (body, title, short, max_numbers))]
    fn fingerprint_text<'py>(&self, py: Python<'py>, body: &Bound<'py, PyString>, title: Option<&Bound<'py, PyString>>,
                             short: usize, max_numbers: usize)
                             -> PyResult<(String, Bound<'py, PyBytes>, Option<Vec<String>>, usize)> {
        let body = body.to_str()?;
        let mut found: Vec<Word> = Vec::with_capacity(words_in(body));
        split(body, false, &mut found);
        let mut written: Vec<&str> = Vec::with_capacity(found.len() + 16);
        if found.len() < short {
            if let Some(title) = title {
                let title = title.to_str()?;
                let mut heads: Vec<Word> = Vec::new();
                split(title, false, &mut heads);
                written.extend(heads.iter().map(|w| &title[w.byte_start as usize..w.byte_end as usize]));
            }
        }
        written.extend(found.iter().map(|w| &body[w.byte_start as usize..w.byte_end as usize]));
        Ok(self.fingerprint_of(py, &written, max_numbers))
    }
}

impl MinHash {
    fn fingerprint_of<'py>(&self, py: Python<'py>, items: &[&str], max_numbers: usize)
                           -> (String, Bound<'py, PyBytes>, Option<Vec<String>>, usize) {
        let mut joined = String::with_capacity(items.iter().map(|w| w.len() + 1).sum());
        let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                joined.push(' ');
            }
            let start = joined.len();
            fold_into(item, &mut joined);
            bounds.push((start, joined.len()));
        }
        let exact = format!("{:032x}", xxh3_128(joined.as_bytes()));
        let numbers = joined.is_ascii().then(|| {
            let mut seen = FxHashSet::default();
            let mut found = Vec::new();
            for w in bounds.iter().map(|&(s, e)| &joined[s..e]).filter(|w| w.bytes().any(|b| b.is_ascii_digit())) {
                if found.len() == max_numbers {
                    break;
                }
                if seen.insert(w) {
                    found.push(w.to_string());
                }
            }
            found
        });
        (exact, PyBytes::new(py, &self.sign(&joined, &bounds)), numbers, bounds.len())
    }

    /// The signature of the words at `bounds` (start, end) of `joined`, where they stand joined by single
    /// spaces: a shingle's text is then the span from its first word's start to its last word's end, hashed
    /// where it lies (the same bytes as its words joined again).
    fn sign(&self, joined: &str, bounds: &[(usize, usize)]) -> Vec<u8> {
        let text = joined.as_bytes();
        let hashes: Vec<u64> = if bounds.len() >= self.shingle {
            bounds.windows(self.shingle).map(|w| xxh64(&text[w[0].0..w[self.shingle - 1].1], 0)).collect()
        } else {  // one shingle of all the words (none: the empty text)
            vec![xxh64(bounds.first().map_or(&[][..], |f| &text[f.0..bounds[bounds.len() - 1].1]), 0)]
        };
        let mut out = Vec::with_capacity(4 * self.a.len());
        for (&a, &b) in self.a.iter().zip(&self.b) {
            out.extend_from_slice(&((least(&hashes, a, b) >> 32) as u32).to_le_bytes());
        }
        out
    }
}

/// The least `h * a + b` over `hashes`, in four independent lanes so the multiplications overlap.
#[inline]
fn least(hashes: &[u64], a: u64, b: u64) -> u64 {
    let mut lanes = [u64::MAX; 4];
    let mut chunks = hashes.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            lanes[k] = lanes[k].min(c[k].wrapping_mul(a).wrapping_add(b));
        }
    }
    let mut m = lanes.into_iter().min().unwrap_or(u64::MAX);
    for &h in chunks.remainder() {
        m = m.min(h.wrapping_mul(a).wrapping_add(b));
    }
    m
}

/// For each of `others`, how many of its 32-bit values equal `signature`'s at the same place (the numerator
/// of `transforms.dedupe.similarity`); None when a length is not `signature`'s or not a whole count of values.
#[pyfunction]
pub fn equal_values(signature: &[u8], others: Vec<Bound<'_, PyBytes>>) -> Option<Vec<usize>> {
    if signature.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(others.len());
    for other in &others {
        let other = other.as_bytes();
        if other.len() != signature.len() {
            return None;
        }
        out.push(signature.chunks_exact(4).zip(other.chunks_exact(4)).filter(|(a, b)| a == b).count());
    }
    Some(out)
}
