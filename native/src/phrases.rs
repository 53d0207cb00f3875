//! The gazetteer's phrase trie, compiled: `transforms.tokens.PhraseIndex.leftmost_longest` over a list of
//! word keys, the same hits in the same order (the Python trie stays the reference; tests compare the two).
//! The trie arrives flattened by `PhraseIndex`: one row per node after the root, (parent node, word,
//! payload count), node i + 1 made by row i, payload indexes given in row order.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use rustc_hash::FxHashMap;

use crate::minhash::strs;
use crate::words::fold_into;

/// Bits in a trie's filter of first words per first word it holds (rounded up to a power of two): about one
/// word in twenty that starts no phrase finds its bit set and is looked up for nothing.
const FILTER_BITS_PER_WORD: usize = 16;

/// The hash a first word's filter bit is chosen by: FxHash's step over the bytes of the word.
#[inline]
fn byte_hash(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0u64, |h, b| (h.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95))
}

struct Node {
    /// The first payload index of the phrase ending here, and how many (0: no phrase ends here).
    payloads: (u32, u32),
    children: FxHashMap<Box<str>, u32>,
}

#[pyclass(frozen, module = "wirewatch_native")]
pub struct PhraseTrie {
    nodes: Vec<Node>,
    /// One bit per hash of a first word (`byte_hash`, the top `filter_shift`-complement bits): a word whose bit
    /// is clear starts no phrase, told without folding it or looking it up. Most words of a text start none.
    filter: Vec<u64>,
    filter_shift: u32,
}

#[pymethods]
impl PhraseTrie {
    #[new]
    fn new(rows: Vec<(u32, String, u32)>) -> PyResult<Self> {
        let mut nodes = vec![Node { payloads: (0, 0), children: FxHashMap::default() }];
        let mut next_payload = 0u32;
        for (parent, word, count) in rows {
            let id = nodes.len() as u32;
            let parent = nodes
                .get_mut(parent as usize)
                .ok_or_else(|| PyValueError::new_err("PhraseTrie: a row names a parent not made yet"))?;
            if parent.children.insert(word.into_boxed_str(), id).is_some() {
                return Err(PyValueError::new_err("PhraseTrie: a word twice under one node"));
            }
            nodes.push(Node { payloads: (next_payload, count), children: FxHashMap::default() });
            next_payload += count;
        }
        let bits = (nodes[0].children.len() * FILTER_BITS_PER_WORD).next_power_of_two().max(64);
        let filter_shift = 64 - bits.trailing_zeros();
        let mut filter = vec![0u64; bits / 64];
        for word in nodes[0].children.keys() {
            let bit = (byte_hash(word.bytes()) >> filter_shift) as usize;
            filter[bit / 64] |= 1 << (bit % 64);
        }
        Ok(PhraseTrie { nodes, filter, filter_shift })
    }

    /// The hits of `keys` (a list of str; with `fold`, each key `str.casefold`ed first) as a flat list
    /// (first word, last word, payload index, ...): by first word, the longest phrase first among those
    /// starting at one word, a phrase's payloads in order.
    #[pyo3(signature = (keys, fold=false))]
    fn leftmost_longest<'py>(&self, py: Python<'py>, keys: &Bound<'py, PyList>, fold: bool) -> PyResult<Bound<'py, PyList>> {
        let items = strs(keys)?;
        let mut written: Vec<&str> = Vec::with_capacity(items.len());
        for item in &items {
            written.push(item.to_str()?);
        }
        let out = if fold { self.hits_folding(&written) } else { self.hits(&written) };
        PyList::new(py, out)
    }
}

impl PhraseTrie {
    /// `leftmost_longest`'s flat answer for words already folded as wanted.
    pub(crate) fn hits(&self, words: &[&str]) -> Vec<u32> {
        let root = &self.nodes[0].children;
        let mut out: Vec<u32> = Vec::new();
        let mut ends: Vec<(u32, (u32, u32))> = Vec::new();
        for (at, word) in words.iter().enumerate() {
            let Some(&first) = root.get(*word) else { continue };
            self.phrases_from(first, at, &mut ends, &mut out, |n, last| {
                words.get(last).and_then(|w| n.children.get(*w)).copied()
            });
        }
        out
    }

    /// `hits` of the words `str.casefold`ed, each word folded only where it is looked up: a word the filter
    /// of first words passes, and the words after it while a phrase goes on.
    pub(crate) fn hits_folding(&self, words: &[&str]) -> Vec<u32> {
        let root = &self.nodes[0].children;
        let mut out: Vec<u32> = Vec::new();
        let mut ends: Vec<(u32, (u32, u32))> = Vec::new();
        let (mut key, mut next) = (String::new(), String::new());
        for (at, word) in words.iter().enumerate() {
            // an ASCII word's bytes are folded as they are hashed, and the word itself only once it passes;
            // another word is folded first, once
            let hash = if word.is_ascii() {
                byte_hash(word.bytes().map(|b| b.to_ascii_lowercase()))
            } else {
                key.clear();
                fold_into(word, &mut key);
                byte_hash(key.bytes())
            };
            if !self.may_start(hash) {
                continue;
            }
            if word.is_ascii() {
                key.clear();
                fold_into(word, &mut key);
            }
            let Some(&first) = root.get(key.as_str()) else { continue };
            self.phrases_from(first, at, &mut ends, &mut out, |n, last| {
                if n.children.is_empty() || last >= words.len() {
                    return None;
                }
                next.clear();
                fold_into(words[last], &mut next);
                n.children.get(next.as_str()).copied()
            });
        }
        out
    }

    /// Whether a word whose folded form hashes (`byte_hash`) to `hash` may start a phrase: its filter bit is
    /// set.
    #[inline]
    fn may_start(&self, hash: u64) -> bool {
        let bit = (hash >> self.filter_shift) as usize;
        self.filter[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The phrases starting at word `at`, whose first word leads to node `first`: walking on while `child`
    /// gives the node the next word (by its index) leads to from a node, each phrase ending on the way,
    /// appended to `out` as (at, its last word, payload index), the longest first. `ends`: scratch.
    #[inline]
    fn phrases_from(&self, first: u32, at: usize, ends: &mut Vec<(u32, (u32, u32))>, out: &mut Vec<u32>,
                    mut child: impl FnMut(&Node, usize) -> Option<u32>) {
        ends.clear();
        let (mut node, mut last) = (first, at);
        loop {
            let n = &self.nodes[node as usize];
            if n.payloads.1 > 0 {
                ends.push((last as u32, n.payloads));
            }
            last += 1;
            match child(n, last) {
                Some(next) => node = next,
                None => break,
            }
        }
        for &(end, (start, count)) in ends.iter().rev() {
            for p in start..start + count {
                out.extend([at as u32, end, p]);
            }
        }
    }
}
