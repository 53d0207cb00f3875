//! connectors/feeds/census.py's scan, compiled: the start tags of a feed's entries that the fast reader's
//! bridge asks about, counted as the Python regex `_TAG` finds them, summed the way `Census` sums them.

/// `census._LOCALS`, in its order (the regex tries them in this order; none starts another).
pub const LOCALS: [&[u8]; 12] = [
    b"description", b"summary", b"guid", b"item", b"entry", b"encoded", b"content", b"body", b"fullitem", b"author",
    b"creator", b"managingEditor",
];

#[inline]
fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The index of the local name `data[at..]` starts with, if any.
fn local_at(data: &[u8], at: usize) -> Option<usize> {
    LOCALS.iter().position(|local| data[at..].starts_with(local))
}

/// Per local name (in `LOCALS` order): how many names begin with it, how many whole names without a prefix
/// end at white space, `/` or `>`, and how many such with a prefix; over the tags from `first` on.
pub fn census(data: &[u8], first: usize) -> [[u64; 12]; 3] {
    let mut counts = [[0u64; 12]; 3];
    let n = data.len();
    let mut i = first.min(n);
    while let Some(off) = data[i..].iter().position(|&b| b == b'<') {
        let lt = i + off;
        i = lt + 1;
        // `([\w.-]+:)?`: a prefix where the longest run of name characters ends at a colon and a local name
        // follows it; else none.
        let run = data[lt + 1..].iter().position(|&b| !name_char(b)).unwrap_or(n - lt - 1);
        let colon = lt + 1 + run;
        let prefixed = if run > 0 && colon < n && data[colon] == b':' { local_at(data, colon + 1) } else { None };
        let (prefix, local, mut at) = match prefixed {
            Some(local) => (Some(&data[lt + 1..=colon]), local, colon + 1 + LOCALS[local].len()),
            None => match local_at(data, lt + 1) {
                Some(local) => (None, local, lt + 1 + LOCALS[local].len()),
                None => continue,
            },
        };
        let rest = at;
        while at < n && (name_char(data[at]) || data[at] == b':') {
            at += 1;
        }
        let whole = at == rest;
        let end = at < n && matches!(data[at], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'/' | b'>');
        if end {
            at += 1;
        }
        i = at;
        match prefix {
            None => counts[0][local] += 1,
            Some(prefix) => {
                for (other, name) in LOCALS.iter().enumerate() {
                    if prefix.starts_with(name) {
                        counts[0][other] += 1;
                    }
                }
            }
        }
        if whole && end {
            counts[if prefix.is_some() { 2 } else { 1 }][local] += 1;
        }
    }
    counts
}
