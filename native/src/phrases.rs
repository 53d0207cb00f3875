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

struct Node {
    /// The first payload index of the phrase ending here, and how many (0: no phrase ends here).
    payloads: (u32, u32),
    children: FxHashMap<Box<str>, u32>,
}

#[pyclass(frozen, module = "wirewatch_native")]
pub struct PhraseTrie {
    nodes: Vec<Node>,
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
        Ok(PhraseTrie { nodes })
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
        let mut folded = String::new();
        let out = if fold { self.hits(&fold_words(&written, &mut folded)) } else { self.hits(&written) };
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
            ends.clear();
            let (mut node, mut last) = (first, at);
            loop {
                let n = &self.nodes[node as usize];
                if n.payloads.1 > 0 {
                    ends.push((last as u32, n.payloads));
                }
                last += 1;
                match words.get(last).and_then(|w| n.children.get(*w)) {
                    Some(&child) => node = child,
                    None => break,
                }
            }
            for &(end, (start, count)) in ends.iter().rev() {
                for p in start..start + count {
                    out.extend([at as u32, end, p]);
                }
            }
        }
        out
    }
}

/// The words `str.casefold`ed: those that fold to themselves are read in place, the others are folded into
/// `buffer`.
pub(crate) fn fold_words<'a>(written: &[&'a str], buffer: &'a mut String) -> Vec<&'a str> {
    let mut bounds: Vec<Option<(usize, usize)>> = Vec::with_capacity(written.len());
    for w in written {
        if w.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            bounds.push(None);
        } else {
            let start = buffer.len();
            fold_into(w, buffer);
            bounds.push(Some((start, buffer.len())));
        }
    }
    let buffer: &'a String = buffer;
    written.iter().zip(&bounds).map(|(w, b)| b.map_or(*w, |(s, e)| &buffer[s..e])).collect()
}
