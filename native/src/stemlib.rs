//! English stems from the Snowball C library that Python's own stems come from (PyStemmer's extension
//! module, which carries libstemmer and exports its C interface: sb_stemmer_new, _stem, _length, _delete).
//! The word table asks it for the stems of new words instead of calling back into Python, where a list
//! of words, a Python call and a method call a word cost more than the stemming. The library is found in
//! the module Python has already loaded (never loaded here), so both stem with the same code; where it is
//! not there, or lacks a function, the core keeps asking Python.

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;
use std::ffi::{c_char, c_int, c_void, CString};

type New = unsafe extern "C" fn(*const c_char, *const c_char) -> *mut c_void;
type Stem = unsafe extern "C" fn(*mut c_void, *const u8, c_int) -> *const u8;
type Length = unsafe extern "C" fn(*mut c_void) -> c_int;
type Delete = unsafe extern "C" fn(*mut c_void);

/// One English stemmer of the library (a stemmer keeps state between calls: one per word table, used under
/// its lock).
pub(crate) struct Stemmer {
    stemmer: *mut c_void,
    stem: Stem,
    length: Length,
    delete: Delete,
}

// SAFETY: a stemmer is used by one thread at a time (the word table's lock) and has no tie to a thread.
unsafe impl Send for Stemmer {}

impl Stemmer {
    /// The English stemmer of the library in `path`, a shared object this process has already loaded; None
    /// where it is not loaded or lacks a function, or the stemmer cannot be made.
    pub(crate) fn from_loaded(path: &str) -> Option<Stemmer> {
        let path = CString::new(path).ok()?;
        // SAFETY: dlopen with RTLD_NOLOAD only looks up an object already loaded (it runs no initialiser);
        // the handle is never closed, so the functions stay valid. Each symbol is cast to the type of
        // libstemmer.h's declaration of that name.
        unsafe {
            let handle = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
            if handle.is_null() {
                return None;
            }
            let find = |name: &str| -> Option<*mut c_void> {
                let name = CString::new(name).ok()?;
                let f = libc::dlsym(handle, name.as_ptr());
                (!f.is_null()).then_some(f)
            };
            let new: New = std::mem::transmute::<*mut c_void, New>(find("sb_stemmer_new")?);
            let stem: Stem = std::mem::transmute::<*mut c_void, Stem>(find("sb_stemmer_stem")?);
            let length: Length = std::mem::transmute::<*mut c_void, Length>(find("sb_stemmer_length")?);
            let delete: Delete = std::mem::transmute::<*mut c_void, Delete>(find("sb_stemmer_delete")?);
            let stemmer = new(c"english".as_ptr(), c"UTF_8".as_ptr());
            if stemmer.is_null() {
                return None;
            }
            Some(Stemmer { stemmer, stem, length, delete })
        }
    }

    /// The stem of `word` (case-folded already); a Python error where the library fails (out of memory) or
    /// gives bytes that are not UTF-8.
    pub(crate) fn stem(&mut self, word: &str) -> PyResult<String> {
        self.stem_bytes(word).ok_or_else(|| PyValueError::new_err("the stemming library failed"))
    }

    fn stem_bytes(&mut self, word: &str) -> Option<String> {
        let n = c_int::try_from(word.len()).ok()?;
        // SAFETY: the stemmer is valid until dropped; sb_stemmer_stem reads `n` bytes of `word` and returns a
        // buffer of sb_stemmer_length bytes that the stemmer owns until its next call, read here before it.
        unsafe {
            let stemmed = (self.stem)(self.stemmer, word.as_ptr(), n);
            if stemmed.is_null() {
                return None;
            }
            let len = usize::try_from((self.length)(self.stemmer)).ok()?;
            Some(std::str::from_utf8(std::slice::from_raw_parts(stemmed, len)).ok()?.to_owned())
        }
    }
}

impl Drop for Stemmer {
    fn drop(&mut self) {
        // SAFETY: made by sb_stemmer_new, deleted once.
        unsafe { (self.delete)(self.stemmer) }
    }
}
