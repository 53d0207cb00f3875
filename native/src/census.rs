//! Byte scans of the fast reader's bridge, compiled: connectors/feeds/census.py's count of the start tags
//! in a feed's entries that the bridge asks about (as the Python regex `_TAG` finds them, summed the way
//! `Census` sums them), rss_summaries.py's `_READ` matches, fastfeedparser_path.py's `_C1` search and its
//! `_HOLDS_ELEMENTS` matches. Each
//! answers as its regex does; tests compare them on generated documents.

/// `census._LOCALS`, in its order (the regex tries them in this order; none starts another).
pub const LOCALS: [&[u8]; 12] = [
    b"description", b"summary", b"guid", b"item", b"entry", b"encoded", b"content", b"body", b"fullitem", b"author",
    b"creator", b"managingEditor",
];

/// Where the first `byte` is in `data` from `from`, if anywhere: the C library's memchr (vectorised), which a
/// byte-at-a-time `position` is several times slower than on a whole document.
#[inline]
fn find_byte(data: &[u8], from: usize, byte: u8) -> Option<usize> {
    let rest = data.get(from..)?;
    // SAFETY: memchr reads at most `rest.len()` bytes from `rest`'s start and returns null or a pointer into them.
    let at = unsafe { libc::memchr(rest.as_ptr().cast(), i32::from(byte), rest.len()) };
    (!at.is_null()).then(|| from + (at as usize - rest.as_ptr() as usize))
}

#[inline]
fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The index of the local name `data[at..]` starts with, if any.
fn local_at(data: &[u8], at: usize) -> Option<usize> {
    // (most tags start with a letter none of the names does: they are turned away by that letter alone)
    if !matches!(data.get(at), Some(b'd' | b's' | b'g' | b'i' | b'e' | b'c' | b'b' | b'f' | b'a' | b'm')) {
        return None;
    }
    LOCALS.iter().position(|local| data[at..].starts_with(local))
}

/// Per local name (in `LOCALS` order): how many names begin with it, how many whole names without a prefix
/// end at white space, `/` or `>`, and how many such with a prefix; over the tags from `first` on.
pub fn census(data: &[u8], first: usize) -> [[u64; 12]; 3] {
    let mut counts = [[0u64; 12]; 3];
    let n = data.len();
    let mut i = first.min(n);
    while let Some(lt) = find_byte(data, i, b'<') {
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

#[inline]
fn space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn skip_spaces(data: &[u8], mut at: usize) -> usize {
    while at < data.len() && space(data[at]) {
        at += 1;
    }
    at
}

/// The local names connectors/feeds/rss_summaries.py's `_READ` reads.
const READ: [&[u8]; 3] = [b"description", b"summary", b"encoded"];

/// One match of `_READ` at `lt` (a `<`): the end of the name, the text (where it is text alone up to the
/// element's own end tag) and where the match ends; None where it matches nothing there.
fn read_at(data: &[u8], lt: usize) -> Option<(usize, Option<(usize, usize)>, usize)> {
    let n = data.len();
    // The prefix: where the longest run of name characters ends at a colon the name must follow it (a name
    // read without the prefix would be followed by a name character or the colon, which nothing takes).
    let run = data[lt + 1..].iter().position(|&b| !name_char(b)).unwrap_or(n - lt - 1);
    let local = if run > 0 && lt + 1 + run < n && data[lt + 1 + run] == b':' { lt + 2 + run } else { lt + 1 };
    let name = READ.iter().find(|name| data[local..].starts_with(name))?;
    let name_end = local + name.len();
    // Attributes with quoted values, then `>`, text without `<`, and the end tag of the same name.
    let mut at = name_end;
    loop {
        let spaced = skip_spaces(data, at);
        let mut k = spaced;
        while k < n && (name_char(data[k]) || data[k] == b':') {
            k += 1;
        }
        if spaced == at || k == spaced {
            break;
        }
        k = skip_spaces(data, k);
        if k >= n || data[k] != b'=' {
            break;
        }
        k = skip_spaces(data, k + 1);
        if k >= n || (data[k] != b'"' && data[k] != b'\'') {
            break;
        }
        let quote = data[k];
        let Some(close) = data[k + 1..].iter().position(|&b| b == quote || b == b'<' || b == b'>') else { break };
        if data[k + 1 + close] != quote {
            break;
        }
        at = k + 2 + close;
    }
    at = skip_spaces(data, at);
    if at < n && data[at] == b'>' {
        let text = at + 1;
        let text_end = data[text..].iter().position(|&b| b == b'<').map_or(n, |e| text + e);
        let whole = &data[lt + 1..name_end];
        if data[text_end..].starts_with(b"</") && data[text_end + 2..].starts_with(whole) {
            let k = skip_spaces(data, text_end + 2 + whole.len());
            if k < n && data[k] == b'>' {
                return Some((name_end, Some((text, text_end)), k + 1));
            }
        }
    }
    (name_end < n && (space(data[name_end]) || matches!(data[name_end], b'/' | b'>'))).then_some((name_end, None, name_end + 1))
}

/// Every match of `_READ` in `data`: where it starts, the name (with its prefix) and the text, if any.
pub fn summary_reads(data: &[u8]) -> Vec<(usize, &[u8], Option<&[u8]>)> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(lt) = find_byte(data, i, b'<') {
        match read_at(data, lt) {
            Some((name_end, text, end)) => {
                found.push((lt, &data[lt + 1..name_end], text.map(|(a, b)| &data[a..b])));
                i = end;
            }
            None => i = lt + 1,
        }
    }
    found
}

/// Where the first C1 control written in UTF-8 (`\xc2` then 0x80-0x9F) starts from `first`, if anywhere.
pub fn first_c1(data: &[u8], first: usize) -> Option<usize> {
    let mut at = first;
    while let Some(lead) = find_byte(data, at, 0xc2) {
        if data.get(lead + 1).is_some_and(|next| (0x80..=0x9f).contains(next)) {
            return Some(lead);
        }
        at = lead + 1;
    }
    None
}

/// The names fastfeedparser_path.py's `_HOLDS_ELEMENTS` reads, in its order.
const HOLDING: [&[u8]; 4] = [b"description", b"summary", b"title", b"content:encoded"];

/// One match of `_HOLDS_ELEMENTS` at `lt` (a `<`): the name's index in `HOLDING` and where the match ends
/// (past the `<` of the element held); None where it matches nothing there. The pattern: the name, then `>`
/// or white space and anything but `>` up to the first `>` (with no `xhtml` there and no `/` just before
/// it), text without `<`, and a `<` not followed by `/` or `!`.
fn holding_at(data: &[u8], lt: usize) -> Option<(usize, usize)> {
    let n = data.len();
    let name = HOLDING.iter().position(|name| data[lt + 1..].starts_with(name))?;
    let mut at = lt + 1 + HOLDING[name].len();
    if at < n && space(data[at]) {
        let close = find_byte(data, at, b'>').unwrap_or(n);
        // (`(?![^>]*xhtml)` right after the white space: "xhtml" before the first `>`)
        if close >= n || data[at + 1..close].windows(5).any(|w| w == b"xhtml") || data[close - 1] == b'/' {
            return None;
        }
        at = close;
    }
    if at >= n || data[at] != b'>' {
        return None;
    }
    let open = find_byte(data, at + 1, b'<')?;
    if matches!(data.get(open + 1), Some(b'/' | b'!')) {
        return None;
    }
    Some((name, open + 1))
}

/// Every match of `_HOLDS_ELEMENTS` from `first` on (as `finditer` finds them): its name's index in
/// `HOLDING`.
pub fn holding(data: &[u8], first: usize) -> Vec<usize> {
    let mut found = Vec::new();
    let mut i = first.min(data.len());
    while let Some(lt) = find_byte(data, i, b'<') {
        match holding_at(data, lt) {
            Some((name, end)) => {
                found.push(name);
                i = end;
            }
            None => i = lt + 1,
        }
    }
    found
}

/// Where `needle` first occurs in `data` from `start` on, if anywhere (`bytes.find`): the C library's
/// memmem, about twice as fast as Python's search on a whole feed.
pub fn find(data: &[u8], needle: &[u8], start: usize) -> Option<usize> {
    let rest = data.get(start..)?;
    if needle.is_empty() {
        return Some(start);
    }
    // SAFETY: memmem reads at most `rest.len()` bytes of `rest` and `needle.len()` of `needle`, and returns
    // null or a pointer into `rest`.
    let at = unsafe { libc::memmem(rest.as_ptr().cast(), rest.len(), needle.as_ptr().cast(), needle.len()) };
    (!at.is_null()).then(|| start + (at as usize - rest.as_ptr() as usize))
}
