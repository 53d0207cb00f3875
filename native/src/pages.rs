//! Large tables read at random places (the rules, the term and anchor rows) asked to be kept in huge pages
//! where the kernel offers them (Linux transparent huge pages, "madvise" mode): each candidate rule of a
//! story is a read somewhere in tens of megabytes, and with 4 KB pages most of those reads also miss the
//! address-translation cache. A hint only: where it is not taken the tables work the same.

/// `v` copied into a new allocation whose 2 MB-aligned interior is marked for huge pages before it is
/// written (the kernel backs untouched memory with huge pages on first write). Small tables are left as
/// they are.
pub fn in_huge_pages<T: Copy>(v: Vec<T>) -> Vec<T> {
    const HUGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(v.as_slice());
    if bytes < 2 * HUGE {
        return v;
    }
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    #[cfg(target_os = "linux")]
    {
        let start = out.as_mut_ptr() as usize;
        let first = (start + HUGE - 1) & !(HUGE - 1);
        let end = (start + bytes) & !(HUGE - 1);
        if end > first {
            // SAFETY: the range lies inside `out`'s own allocation, not yet written; madvise with
            // MADV_HUGEPAGE changes how it is backed, never its contents.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    out.extend_from_slice(&v);
    out
}
