//! MinHash signatures of a story's word shingles, compiled: the same values as `minhash` in
//! `transforms/dedupe.py` (the reference, which tests compare with this on arbitrary words). Shingle i is
//! words i..i+k joined by single spaces (fewer than k words: one shingle of them all), hashed as UTF-8 by
//! XXH64 with seed 0; value j of the signature is the top 32 bits of the least `h * a[j] + b[j]` (wrapping
//! u64 arithmetic) over the shingles, little-endian.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use xxhash_rust::xxh64::xxh64;

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
        let mut texts: Vec<&str> = Vec::with_capacity(words.len());
        let items: Vec<Bound<'py, PyString>> =
            words.iter().map(|w| w.downcast_into::<PyString>().map_err(PyErr::from)).collect::<PyResult<_>>()?;
        for w in &items {
            texts.push(w.to_str()?);
        }
        let mut hashes: Vec<u64> = Vec::with_capacity(texts.len().max(1));
        let mut buf = String::new();
        let shingles: Box<dyn Iterator<Item = &[&str]>> = if texts.len() >= self.shingle {
            Box::new(texts.windows(self.shingle))
        } else {
            Box::new(std::iter::once(&texts[..]))
        };
        for shingle in shingles {
            buf.clear();
            for (i, w) in shingle.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(w);
            }
            hashes.push(xxh64(buf.as_bytes(), 0));
        }
        let mins = self.a.iter().zip(&self.b).map(|(&a, &b)| least(&hashes, a, b));
        let out: Vec<u8> = mins.flat_map(|m| ((m >> 32) as u32).to_le_bytes()).collect();
        Ok(PyBytes::new(py, &out))
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
