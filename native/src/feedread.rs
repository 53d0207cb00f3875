//! A feed reader for the plain documents most feeds are: one strict pass over UTF-8 bytes that checks the
//! document is namespace well-formed XML (as expat, feedparser's strict parser, would accept it) and reads an
//! RSS 2.0 / 0.9x or Atom 1.0 document's entries the way feedparser's strict parser does, in the fields a
//! Story takes. Where the document is not one it is sure of (a DOCTYPE, an xml:base, an element feedparser
//! reads into those fields in a way not modelled here, anything not well-formed) it declines with the reason,
//! and the caller asks the next reader (`connectors/feeds/compiled_reader.py`). The Python glue turns the
//! answer into feedparser's keys; `tests/connectors/feeds/test_compiled_reader.py` compares the Stories with
//! feedparser's over the shared corpus and mutated copies of it.

use std::borrow::Cow;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use rustc_hash::{FxHashMap, FxHashSet};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const ATOM10: &str = "http://www.w3.org/2005/Atom";
const RSS10: &str = "http://purl.org/rss/1.0/";
const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XHTML: &str = "http://www.w3.org/1999/xhtml";
const XHTML_TYPE: &str = "application/xhtml+xml";

/// The shape of ``FeedReader.read``'s answer: connectors/feeds/compiled_reader.py uses a build whose shape it
/// reads (a stale build left in an environment is not used).
pub const FEED_READER_VERSION: u32 = 1;

type Fail = String;
type Res<T> = Result<T, Fail>;

fn fail<T>(why: &str) -> Res<T> {
    Err(why.to_string())
}

/// What an element is to feedparser, by its key (``prefix_local``, lower case).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Title,
    Link,
    Summary, // RSS description, Atom summary
    Content, // content:encoded, Atom content
    Id,      // guid, id
    Published,
    Updated,
    Created,
    Author, // author and the elements feedparser reads as one
    Language,
    Entry,
    Image,
    TextInput,
    Source,
    Risky,    // feedparser reads it into a Story's fields in a way not modelled here
    Harmless, // a handler that touches no field a Story takes
    Unknown,  // no handler: feedparser keeps it under its own key
}

fn role_of(key: &str, handlers: &FxHashSet<String>) -> Role {
    match key {
        "title" | "dc_title" | "media_title" => Role::Title,
        "link" => Role::Link,
        "description" | "summary" | "itunes_summary" | "dc_description" | "media_description" => Role::Summary,
        "content" | "content_encoded" => Role::Content,
        "guid" | "id" => Role::Id,
        "pubdate" | "published" | "issued" | "dcterms_issued" => Role::Published,
        "updated" | "modified" | "lastbuilddate" | "dc_date" | "dcterms_modified" => Role::Updated,
        "created" | "dcterms_created" => Role::Created,
        "author" | "managingeditor" | "dc_creator" | "dc_author" | "itunes_author" => Role::Author,
        "language" | "dc_language" => Role::Language,
        "item" | "entry" => Role::Entry,
        "image" => Role::Image,
        "textinput" => Role::TextInput,
        "source" => Role::Source,
        "abstract" | "body"
        | "xhtml_body" | "fullitem" | "feed" | "channel" | "rss" | "name" | "email" | "itunes_owner"
        | "itunes_name" | "itunes_email" | "contributor" | "dc_contributor" | "width" | "height" | "url"
        | "uri" | "homepage" => Role::Risky,
        _ if handlers.contains(key) => Role::Harmless,
        // Keys of the entry feedparser's answer is read by (connectors.feeds.feedparser_path._entry).
        "title_detail" | "summary_detail" | "links" | "guidislink" | "authors" | "published_at"
        | "published_parsed" | "updated_parsed" | "created_parsed" => Role::Risky,
        _ => Role::Unknown,
    }
}

/// The reader's configuration, from feedparser itself: its namespaces (lower-cased address -> prefix) and
/// the keys it has a start or end handler for.
#[pyclass(frozen)]
pub struct FeedReader {
    known: FxHashMap<String, String>,
    handlers: FxHashSet<String>,
}

struct Attr<'a> {
    prefix: &'a str,
    local: &'a str,
    value: Cow<'a, str>,
    // feedparser's key: the local name, lower case, with the prefix it knows the namespace by where it knows
    // one (dc:base is no base to it; an attribute in a namespace it does not know is keyed by its local name)
    key: String,
}

struct Entry {
    title: Option<(String, &'static str)>,
    title_at: Option<usize>, // the depth the title value came from (a later one deeper is not kept)
    summary: Option<(String, Option<&'static str>, Option<usize>)>, // its type (none where copied from content) and language
    summary_at: Option<usize>,
    contents: Vec<(String, &'static str, Option<usize>)>,
    id: Option<String>,
    permalink: bool,
    ids: u32,
    guidislink: Option<bool>,
    link: Option<(String, u8, usize)>, // value, 1 text 2 href 3 the guid; its base
    id_base: usize,
    dates: [Option<String>; 3],
    authors: Vec<(Option<String>, Option<String>, Option<String>)>, // name, email; or the text
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            title: None, title_at: None, summary: None, summary_at: None, contents: Vec::new(),
            id: None, id_base: 0, permalink: false, ids: 0, guidislink: None, link: None, dates: [None, None, None],
            authors: Vec::new(),
        }
    }
}

/// What a captured element's text goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Capture {
    None,
    FeedTitle,
    FeedLink,
    FeedLanguage,
    FeedId,
    Title(&'static str, bool), // its type; whether it is a media:title
    Summary(&'static str),
    SummaryAsContent(&'static str), // a summary element feedparser reads as content (one came before)
    Content(&'static str),
    Id,
    Link,
    Date(usize),
    AuthorText,
    AuthorName,
    AuthorEmail,
    Ignore, // text kept by feedparser somewhere no Story reads
    Inner,  // an element inside XHTML text: written back into it as feedparser writes it
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Outside,  // the root (RSS, RDF): the channel, and an RDF document's items, image and text input
    Aside,    // an RDF document's image or text input (feedparser keeps nothing of it)
    Feed,     // channel or Atom feed: its direct children
    FeedDeep, // below a child of the feed that is not an entry
    Picture,  // image or textinput in the feed
    Entry,    // an entry's direct children
    EntryDeep,
    Author, // an Atom author in an entry
    Xhtml,  // inside Atom text typed xhtml
    Done,
}

struct Frame<'a> {
    qname: &'a str,
    bindings: usize,
    place: Place,        // where this element's children are
    capture: Capture,    // what this element's text goes to
    children: bool,      // whether it had an element inside
    depth: usize,
}

struct Reader<'a, 'c> {
    cfg: &'c FeedReader,
    s: &'a str,
    b: &'a [u8],
    i: usize,
    bindings: Vec<(&'a str, String)>,
    bound: FxHashMap<&'a str, String>, // every prefix ever bound, to its address (feedparser's are global)
    // Each element name's key, whether it has a prefix and its role: a name means one thing in the whole
    // document, as no prefix is bound to two addresses (``declare``).
    keys: FxHashMap<&'a str, (Arc<str>, bool, Role)>,
    unknown_prefix: FxHashMap<String, &'a str>, // unknown address -> its prefix
    atom: bool,
    format: &'static str,
    rdf: bool,
    has_content: bool, // feedparser's hasContent: a content element read since the last entry ended
    feed_summary: bool, // the feed has a summary
    root_lang: Option<String>,
    // feedparser's xml:base, followed as it follows it (unknown_starttag, unknown_endtag): each base written
    // (where it is taken from, the value), resolved by the caller; index 0 is the document's location. The
    // base in effect, the one each open element started with, and whether each is not empty (feedparser
    // restores a parent's base at an end tag only where that one is not).
    bases: Vec<(usize, String)>,
    truthy: Vec<bool>,
    base: usize,
    base_stack: Vec<usize>,
    feed_link_base: usize,
    feed_link_href: bool, // given as an href (an attribute: feedparser does not repair it)
    // feedparser's xml:lang (or lang), in effect and for each open element; each one written is in ``langs``.
    langs: Vec<String>,
    lang: Option<usize>,
    lang_stack: Vec<Option<usize>>,
    // Inside Atom text typed xhtml: how deep, and where each tag written back into the text starts and ends
    // (and whether it is an end tag), for feedparser's unwrapping of one enclosing div.
    xhtml: usize,
    xhtml_tags: Vec<(usize, usize, bool)>,
    feed_title: Option<String>,
    // feedparser's title_depth: how deep a title was read (a later one as deep or deeper is not), reset where
    // an entry, an image, a text input or an RSS source starts.
    title_depth: isize,
    feed_link: Option<String>,
    feed_language: Option<String>,
    channels: u32,
    entries: Vec<Entry>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Python's str.strip() (for the characters XML allows).
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace())
}

/// Whether every byte is a character XML allows (and no C1 control, which feedparser maps to Windows-1252).
/// Eight bytes at a time where none needs a look (no byte below 0x20, no C2 or EF lead byte).
fn check_chars(b: &[u8]) -> Res<()> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let n = b.len();
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let look = (x.wrapping_sub(LO * 0x20) & !x & HI) | zero(x ^ (LO * 0xc2)) | zero(x ^ (LO * 0xef));
        if look != 0 {
            for j in i..i + 8 {
                check_at(b, j)?;
            }
        }
        i += 8;
    }
    for j in i..n {
        check_at(b, j)?;
    }
    Ok(())
}

fn check_at(b: &[u8], i: usize) -> Res<()> {
    let c = b[i];
    if c < 0x20 {
        if !matches!(c, b'\t' | b'\n' | b'\r') {
            return fail("a control character");
        }
    } else if c == 0xc2 {
        if i + 1 < b.len() && (0x80..=0x9f).contains(&b[i + 1]) {
            return fail("a C1 control (feedparser reads it as Windows-1252)");
        }
    } else if c == 0xef && i + 2 < b.len() && b[i + 1] == 0xbf && (b[i + 2] == 0xbe || b[i + 2] == 0xbf) {
        return fail("a noncharacter");
    }
    Ok(())
}

/// feedparser's reading of Atom text typed xhtml: where the text (its tags written back, ``tags``) is one div
/// holding the rest, with only space around it, what is inside the div.
fn unwrap_div(text: &str, tags: &[(usize, usize, bool)]) -> String {
    if let (Some(first), Some(last)) = (tags.first(), tags.last()) {
        let around = py_strip(&text[..first.0]).is_empty() && py_strip(&text[last.1..]).is_empty();
        if around && tags.len() > 1 && &text[first.0..first.1] == "<div>" && &text[last.0..last.1] == "</div>" {
            let mut depth = 0i64;
            for &(_, _, end) in &tags[..tags.len() - 1] {
                depth += if end { -1 } else { 1 };
                if end && depth == 0 {
                    return text.to_string(); // (the div ends before the last tag)
                }
            }
            return text[first.1..last.0].to_string();
        }
    }
    text.to_string()
}

/// ``s`` added to captured text; inside XHTML text escaped as feedparser's handle_data escapes it.
fn push_text(text: &mut String, s: &str, escape: bool) {
    if !escape || !s.bytes().any(|c| matches!(c, b'&' | b'<' | b'>')) {
        text.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => text.push_str("&amp;"),
            '<' => text.push_str("&lt;"),
            '>' => text.push_str("&gt;"),
            _ => text.push(c),
        }
    }
}

/// Where the next byte that ends a run of plain text is ('<', '&', a carriage return), or the length. (A
/// "]]>" in text is found otherwise: see ``run``.)
fn find_special(b: &[u8]) -> usize {
    memchr::memchr3(b'<', b'&', b'\r', b).unwrap_or(b.len())
}

fn map_type(kind: &str) -> Option<&'static str> {
    match kind.to_ascii_lowercase().as_str() {
        "text" | "plain" | "text/plain" => Some("text/plain"),
        "html" | "text/html" => Some("text/html"),
        _ => None,
    }
}

impl<'a, 'c> Reader<'a, 'c> {
    fn peek(&self, lit: &str) -> bool {
        self.b[self.i..].starts_with(lit.as_bytes())
    }

    fn skip_space(&mut self) -> bool {
        let start = self.i;
        while self.i < self.b.len() && is_space(self.b[self.i]) {
            self.i += 1;
        }
        self.i > start
    }

    fn name(&mut self) -> Res<&'a str> {
        let start = self.i;
        if self.i >= self.b.len() || !name_start(self.b[self.i]) {
            return fail("a name this reader does not take");
        }
        while self.i < self.b.len() && (name_char(self.b[self.i]) || self.b[self.i] == b':') {
            self.i += 1;
        }
        if self.i < self.b.len() && self.b[self.i] >= 0x80 {
            return fail("a name with characters past ASCII");
        }
        let name = &self.s[start..self.i];
        let colons = name.bytes().filter(|&c| c == b':').count();
        if colons > 1 || name.ends_with(':') || (colons == 1 && !name_start(name.as_bytes()[name.find(':').unwrap() + 1])) {
            return fail("not a namespace name");
        }
        Ok(name)
    }

    /// A reference after '&', appended to ``out``.
    fn reference(&mut self, out: &mut String) -> Res<()> {
        let b = self.b;
        let start = self.i;
        let end = match b[start..].iter().take(12).position(|&c| c == b';') {
            Some(p) => start + p,
            None => return fail("an undefined entity or a stray ampersand"),
        };
        let body = &self.s[start..end];
        self.i = end + 1;
        match body {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "apos" => out.push('\''),
            "quot" => out.push('"'),
            _ => {
                let code = if let Some(hex) = body.strip_prefix("#x") {
                    if hex.is_empty() || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                        return fail("a bad character reference");
                    }
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = body.strip_prefix('#') {
                    if dec.is_empty() || !dec.bytes().all(|c| c.is_ascii_digit()) {
                        return fail("a bad character reference");
                    }
                    dec.parse::<u32>().ok()
                } else {
                    return fail("an undefined entity");
                };
                let c = code.and_then(char::from_u32).ok_or_else(|| "a bad character reference".to_string())?;
                let ok = matches!(c as u32, 0x9 | 0xa | 0xd | 0x20..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff);
                if !ok {
                    return fail("a reference to a character XML does not allow");
                }
                if (0x80..=0x9f).contains(&(c as u32)) {
                    return fail("a C1 control (feedparser reads it as Windows-1252)");
                }
                out.push(c);
            }
        }
        Ok(())
    }

    fn attr_value(&mut self) -> Res<Cow<'a, str>> {
        let quote = self.b[self.i];
        if quote != b'"' && quote != b'\'' {
            return fail("an attribute value without quotes");
        }
        self.i += 1;
        let start = self.i;
        let rest = &self.b[start..];
        if let Some(p) = rest.iter().position(|&c| c == quote || c == b'&' || c == b'<' || c < 0x20) {
            if rest[p] == quote {
                self.i = start + p + 1;
                return Ok(Cow::Borrowed(&self.s[start..start + p]));
            }
        }
        let mut out = String::new();
        loop {
            let rest = &self.b[self.i..];
            let p = rest.iter().position(|&c| c == quote || c == b'&' || c == b'<' || c < 0x20);
            let Some(p) = p else { return fail("an attribute value not closed") };
            out.push_str(&self.s[self.i..self.i + p]);
            self.i += p;
            match self.b[self.i] {
                b'&' => {
                    self.i += 1;
                    self.reference(&mut out)?;
                }
                b'<' => return fail("'<' in an attribute value"),
                b'\r' => {
                    out.push(' ');
                    self.i += 1;
                    if self.i < self.b.len() && self.b[self.i] == b'\n' {
                        self.i += 1;
                    }
                }
                c if c < 0x20 => {
                    out.push(' ');
                    self.i += 1;
                }
                _ => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
            }
        }
    }

    fn comment(&mut self) -> Res<()> {
        self.i += 4;
        match self.s[self.i..].find("--") {
            Some(p) => {
                self.i += p;
                if !self.peek("-->") {
                    return fail("'--' in a comment");
                }
                self.i += 3;
                Ok(())
            }
            None => fail("a comment not closed"),
        }
    }

    fn pi(&mut self) -> Res<()> {
        self.i += 2;
        let target = self.name()?;
        if target.eq_ignore_ascii_case("xml") || target.contains(':') {
            return fail("a processing instruction this reader does not take");
        }
        if !self.peek("?>") && !self.skip_space() {
            return fail("a bad processing instruction");
        }
        match self.s[self.i..].find("?>") {
            Some(p) => {
                self.i += p + 2;
                Ok(())
            }
            None => fail("a processing instruction not closed"),
        }
    }

    fn declaration(&mut self) -> Res<()> {
        // <?xml version="1.0" encoding="utf-8" standalone="yes"?>
        self.i += 5;
        let mut seen = 0;
        loop {
            let spaced = self.skip_space();
            if self.peek("?>") {
                self.i += 2;
                return if seen >= 1 { Ok(()) } else { fail("an XML declaration without a version") };
            }
            if !spaced {
                return fail("a bad XML declaration");
            }
            let (name, value) = self.attribute()?;
            match (name, seen) {
                ("version", 0) if value == "1.0" => seen = 1,
                ("encoding", 1) if value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8") => seen = 2,
                ("standalone", 1 | 2) if value == "yes" || value == "no" => seen = 3,
                _ => return fail("an XML declaration this reader does not take"),
            }
        }
    }

    /// ``name = "value"`` (an attribute, or a pseudo-attribute of the XML declaration): its name and value.
    fn attribute(&mut self) -> Res<(&'a str, Cow<'a, str>)> {
        let name = self.name()?;
        self.skip_space();
        if !self.peek("=") {
            return fail("an attribute without a value");
        }
        self.i += 1;
        self.skip_space();
        if self.i >= self.b.len() {
            return fail("a tag not closed");
        }
        Ok((name, self.attr_value()?))
    }

    fn lookup(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        for (p, uri) in self.bindings.iter().rev() {
            if *p == prefix {
                return Some(uri.as_str());
            }
        }
        None
    }

    /// The start tag after '<': its name, attributes, whether it is empty; namespace declarations bound.
    fn start_tag(&mut self) -> Res<(&'a str, Vec<Attr<'a>>, bool, usize)> {
        let qname = self.name()?;
        let mut attrs: Vec<Attr<'a>> = Vec::new();
        let mut declared = 0usize;
        let mut raw: Vec<&'a str> = Vec::new();
        loop {
            let spaced = self.skip_space();
            if self.i >= self.b.len() {
                return fail("a tag not closed");
            }
            match self.b[self.i] {
                b'>' => {
                    self.i += 1;
                    return self.finish_tag(qname, attrs, false, declared);
                }
                b'/' => {
                    if !self.peek("/>") {
                        return fail("a bad tag");
                    }
                    self.i += 2;
                    return self.finish_tag(qname, attrs, true, declared);
                }
                _ => {}
            }
            if !spaced {
                return fail("attributes without space between them");
            }
            let (name, value) = self.attribute()?;
            if raw.contains(&name) {
                return fail("a duplicate attribute");
            }
            raw.push(name);
            if name == "xmlns" || name.starts_with("xmlns:") {
                let prefix = if name == "xmlns" { "" } else { &name[6..] };
                if prefix == "xml" || prefix == "xmlns" || value == XML_NS || value == "http://www.w3.org/2000/xmlns/" {
                    return fail("a reserved namespace declaration");
                }
                if !prefix.is_empty() && value.is_empty() {
                    return fail("a prefix undeclared");
                }
                // feedparser's SAX reader gives expat a space as the namespace separator: an address holding
                // one (a literal space, tab or line end becomes one) is refused there.
                if value.contains(' ') {
                    return fail("a namespace address holding a space");
                }
                self.declare(prefix, value.into_owned())?;
                declared += 1;
                continue;
            }
            let (prefix, local) = match name.find(':') {
                Some(c) => (&name[..c], &name[c + 1..]),
                None => ("", name),
            };
            attrs.push(Attr { prefix, local, value, key: String::new() });
        }
    }

    fn declare(&mut self, prefix: &'a str, uri: String) -> Res<()> {
        if self.xhtml > 0 {
            // (inside XHTML text only the XHTML namespace, as the default, which names no element outside it)
            if !prefix.is_empty() || uri != XHTML {
                return fail("a namespace declared inside XHTML text");
            }
            self.bindings.push((prefix, uri));
            return Ok(());
        }
        let lower = uri.to_ascii_lowercase();
        if lower.contains("backend.userland.com/rss") {
            return fail("UserLand's RSS namespace");
        }
        if let Some(before) = self.bound.get(prefix) {
            if *before != uri {
                return fail("a prefix bound to two addresses");
            }
        } else {
            // Names without a prefix read before (in no namespace) would now mean another where the address
            // is one feedparser knows by a prefix (an address it does not know leaves them their own names).
            let renames = self.cfg.known.get(&lower).is_some_and(|p| !p.is_empty());
            if prefix.is_empty() && renames && self.keys.keys().any(|q| !q.contains(':')) {
                return fail("a default namespace bound after elements named without a prefix");
            }
            self.bound.insert(prefix, uri.clone());
        }
        if !uri.is_empty() && !self.cfg.known.contains_key(&lower) {
            match self.unknown_prefix.get(&uri) {
                Some(p) if *p != prefix => return fail("an address bound to two prefixes"),
                Some(_) => {}
                None => {
                    self.unknown_prefix.insert(uri.clone(), prefix);
                }
            }
        }
        if self.bindings.len() >= 64 {
            return fail("over 64 namespace declarations in scope"); // (each name is looked up through them)
        }
        self.bindings.push((prefix, uri));
        Ok(())
    }

    fn finish_tag(
        &mut self, qname: &'a str, mut attrs: Vec<Attr<'a>>, empty: bool, declared: usize,
    ) -> Res<(&'a str, Vec<Attr<'a>>, bool, usize)> {
        // Every prefix bound, and no two attributes with one namespaced name.
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for a in attrs.iter_mut() {
            let uri = if a.prefix.is_empty() {
                ""
            } else {
                self.lookup(a.prefix).ok_or_else(|| "an unbound prefix".to_string())?
            };
            if seen.iter().any(|(u, l)| *u == uri && *l == a.local) {
                return fail("a duplicate attribute");
            }
            seen.push((uri, a.local));
            let local = a.local.to_ascii_lowercase();
            a.key = match self.cfg.known.get(&uri.to_ascii_lowercase()) {
                Some(p) if !uri.is_empty() && !p.is_empty() => format!("{}:{local}", p.to_ascii_lowercase()),
                _ => local,
            };
        }
        // (two with one key: feedparser keeps one of them)
        for (n, a) in attrs.iter().enumerate() {
            if attrs[..n].iter().any(|b| b.key == a.key) {
                return fail("two attributes with one key");
            }
        }
        for pair in [("base", "xml:base"), ("lang", "xml:lang")] {
            if attrs.iter().any(|a| a.key == pair.0) && attrs.iter().any(|a| a.key == pair.1) {
                return fail("a base or lang attribute beside the xml: one");
            }
        }
        Ok((qname, attrs, empty, declared))
    }

    /// feedparser's key for an element: its known prefix (or the one written, for an address it does not
    /// know) and local name, lower case.
    fn key(&self, qname: &str) -> Res<(String, bool)> {
        let (prefix, local) = match qname.find(':') {
            Some(c) => (&qname[..c], &qname[c + 1..]),
            None => ("", qname),
        };
        let uri = match self.lookup(prefix) {
            Some(u) => u,
            None if prefix.is_empty() => "",
            None => return fail("an unbound prefix"),
        };
        let local = local.to_ascii_lowercase();
        if uri.is_empty() {
            return Ok((local, false));
        }
        let lower = uri.to_ascii_lowercase();
        let given = match self.cfg.known.get(&lower) {
            Some(p) => p.to_ascii_lowercase(),
            None => self.unknown_prefix.get(uri).map(|p| p.to_ascii_lowercase()).unwrap_or_default(),
        };
        Ok(if given.is_empty() { (local, false) } else { (format!("{given}_{local}"), true) })
    }

    fn attr<'x>(attrs: &'x [Attr<'a>], local: &str) -> Option<&'x str> {
        attrs.iter().find(|a| a.key == local).map(|a| a.value.as_ref())
    }

    /// pop()'s finishing of a value: stripped, and UTF-8 that was read as Latin-1 read again (feedparser's
    /// parser is told every document is UTF-8, having transcoded it, so it repairs every value so).
    fn finish(&self, text: &str) -> String {
        let text = py_strip(text);
        if !text.is_ascii() && text.chars().all(|c| (c as u32) < 0x100) {
            let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
            if let Ok(again) = String::from_utf8(bytes) {
                return again;
            }
        }
        text.to_string()
    }

    fn entry(&mut self) -> &mut Entry {
        self.entries.last_mut().unwrap()
    }

    /// An element starting in ``place``: what its children are and what its text goes to.
    fn open(&mut self, key: &str, prefixed: bool, role: Role, attrs: &[Attr<'a>], place: Place) -> Res<(Place, Capture)> {
        let atom = self.atom;
        let typed = |default: &'static str| -> Res<&'static str> {
            if Self::attr(attrs, "mode").is_some() || Self::attr(attrs, "src").is_some() {
                return fail("a text element with a mode or a source");
            }
            match Self::attr(attrs, "type") {
                None => Ok(default),
                Some(t) if atom && (t.eq_ignore_ascii_case("xhtml") || t.eq_ignore_ascii_case(XHTML_TYPE)) => {
                    Ok(XHTML_TYPE)
                }
                Some(t) => map_type(t).ok_or_else(|| format!("a text element typed {t}")),
            }
        };
        match place {
            Place::Outside => match key {
                "channel" => {
                    self.channels += 1;
                    if self.channels > 1 || attrs.iter().any(|a| !matches!(a.key.as_str(), "rdf:about" | "rdf:resource")) {
                        return fail("a channel this reader does not take");
                    }
                    Ok((Place::Feed, Capture::None))
                }
                "item" if self.rdf => self.open_entry(attrs),
                "image" | "textinput" if self.rdf => {
                    self.title_depth = -1;
                    Ok((Place::Aside, Capture::Ignore))
                }
                _ => fail("an element outside the channel"),
            },
            Place::Aside => match role {
                Role::Entry | Role::Image | Role::TextInput | Role::Source => fail(&format!("{key} in an image")),
                _ => Ok((Place::Aside, Capture::Ignore)),
            },
            Place::Feed => match role {
                Role::Title if key != "media_title" => {
                    if self.atom && typed("text/plain")? == XHTML_TYPE {
                        return fail("a feed title typed xhtml");
                    }
                    Ok((Place::Done, Capture::FeedTitle))
                }
                Role::Link => self.link(attrs, true).map(|c| (Place::Done, c)),
                Role::Language => Ok((Place::Done, Capture::FeedLanguage)),
                Role::Id => Ok((Place::Done, Capture::FeedId)),
                Role::Entry => {
                    if (key == "entry") != self.atom {
                        return fail("an entry of the other format");
                    }
                    self.open_entry(attrs)
                }
                // The feed's summary and content: what they leave for the first entry (feedparser's hasContent
                // lasts until an entry ends, and a summary after a summary is read as content).
                Role::Content => {
                    self.has_content = true;
                    self.feed_summary = true; // (content copied to a missing summary)
                    Ok((Place::FeedDeep, Capture::Ignore))
                }
                Role::Summary => {
                    if self.feed_summary && !self.has_content {
                        self.has_content = true;
                    } else if matches!(key, "summary" | "itunes_summary") {
                        self.feed_summary = true; // (a description is the feed's subtitle)
                    }
                    Ok((Place::FeedDeep, Capture::Ignore))
                }
                Role::Image | Role::TextInput => {
                    self.title_depth = -1;
                    Ok((Place::Picture, Capture::Ignore))
                }
                Role::Source | Role::Title => fail(&format!("{key} in the feed")),
                Role::Risky if matches!(key, "media_title" | "feed" | "channel" | "rss") => {
                    fail(&format!("{key} in the feed"))
                }
                _ => Ok((Place::FeedDeep, Capture::Ignore)),
            },
            Place::FeedDeep => match role {
                Role::Title | Role::Link | Role::Language | Role::Entry | Role::Image | Role::TextInput
                | Role::Source | Role::Id | Role::Summary | Role::Content => fail(&format!("{key} deep in the feed")),
                Role::Risky if matches!(key, "media_title" | "feed" | "channel" | "rss") => {
                    fail(&format!("{key} deep in the feed"))
                }
                _ => Ok((Place::FeedDeep, Capture::Ignore)),
            },
            Place::Picture => {
                // (feedparser leaves the image at any other element without a prefix)
                if !prefixed && !matches!(key, "title" | "link" | "description" | "url" | "href" | "width" | "height") {
                    return fail("an image or text input holding other elements");
                }
                if key == "language" || key == "dc_language" || role == Role::Entry {
                    return fail("an image or text input holding other elements");
                }
                Ok((Place::Done, Capture::Ignore))
            }
            Place::Entry => self.open_in_entry(key, role, attrs, &typed),
            Place::EntryDeep => match role {
                Role::Harmless | Role::Unknown => Ok((Place::EntryDeep, Capture::Ignore)),
                Role::Title if key == "media_title" => Ok(self.text_place(Capture::Title(typed("text/plain")?, true))),
                Role::Summary if key == "media_description" => self.summary(key, &typed),
                _ => fail(&format!("{key} deep in an entry")),
            },
            Place::Author => match key {
                "name" => Ok((Place::Done, Capture::AuthorName)),
                "email" => Ok((Place::Done, Capture::AuthorEmail)),
                "uri" | "url" | "homepage" => Ok((Place::Done, Capture::Ignore)),
                _ if role == Role::Unknown => Ok((Place::EntryDeep, Capture::Ignore)),
                _ => fail("an author holding other elements"),
            },
            Place::Xhtml => {
                let local = if !prefixed { Some(key) } else { key.strip_prefix("xhtml_") };
                match local {
                    Some(l) if !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric()) => {
                        Ok((Place::Xhtml, Capture::Inner))
                    }
                    _ => fail("an element of another namespace in XHTML text"),
                }
            }
            Place::Done => fail("an element inside a value"),
        }
    }

    fn open_entry(&mut self, attrs: &[Attr<'a>]) -> Res<(Place, Capture)> {
        let mut entry = Entry::default();
        for a in attrs {
            match a.key.as_str() {
                "rdf:about" if self.rdf => {
                    if a.value.as_ref() != py_strip(&a.value) {
                        return fail("an rdf:about with spaces around it");
                    }
                    entry.id = Some(a.value.to_string()); // (an attribute: feedparser neither strips nor repairs it)
                    entry.id_base = usize::MAX; // (not resolved)
                    entry.ids = 1;
                }
                "rdf:about" | "lastmod" | "href" => return fail("an item with attributes feedparser reads"),
                _ => {}
            }
        }
        self.entries.push(entry);
        self.title_depth = -1;
        Ok((Place::Entry, Capture::None))
    }

    fn open_in_entry(
        &mut self, key: &str, role: Role, attrs: &[Attr<'a>], typed: &dyn Fn(&'static str) -> Res<&'static str>,
    ) -> Res<(Place, Capture)> {
        let atom = self.atom;
        match role {
            Role::Title => Ok(self.text_place(Capture::Title(typed("text/plain")?, key == "media_title"))),
            Role::Link => self.link(attrs, false).map(|c| (Place::Done, c)),
            Role::Summary => self.summary(key, typed),
            Role::Content => {
                if (key == "content") != atom {
                    return fail("a content element feedparser reads otherwise");
                }
                self.has_content = true;
                Ok(self.text_place(Capture::Content(typed(if atom { "text/plain" } else { "text/html" })?)))
            }
            Role::Id => {
                let permalink = Self::attr(attrs, "ispermalink").map_or(true, |v| v == "true");
                let entry = self.entry();
                entry.ids += 1;
                if entry.ids > 1 {
                    return fail("two ids in an entry");
                }
                entry.permalink = permalink;
                Ok((Place::Done, Capture::Id))
            }
            Role::Published => Ok((Place::Done, Capture::Date(0))),
            Role::Updated => Ok((Place::Done, Capture::Date(1))),
            Role::Created => Ok((Place::Done, Capture::Date(2))),
            Role::Author => {
                // (feedparser keeps one author_detail an Atom entry's authors each write into: where it has two
                // authors it lists them otherwise than one by one)
                if atom && !self.entry().authors.is_empty() {
                    return fail("two authors in an Atom entry");
                }
                if atom && key == "author" {
                    self.entry().authors.push((None, None, None));
                    Ok((Place::Author, Capture::AuthorText))
                } else {
                    self.entry().authors.push((None, None, None));
                    Ok((Place::Done, Capture::AuthorText))
                }
            }
            Role::Source if !atom => {
                self.title_depth = -1;
                Ok((Place::Done, Capture::Ignore))
            }
            Role::Language | Role::Harmless | Role::Unknown => Ok((Place::EntryDeep, Capture::Ignore)),
            _ => fail(&format!("{key} in an entry")),
        }
    }

    /// A summary element (feedparser's _start_description, _start_summary): content where a summary came
    /// before it and no content has, else the summary.
    fn summary(&mut self, key: &str, typed: &dyn Fn(&'static str) -> Res<&'static str>) -> Res<(Place, Capture)> {
        if self.entry().summary.is_some() && !self.has_content {
            self.has_content = true;
            return Ok(self.text_place(Capture::SummaryAsContent(typed("text/plain")?)));
        }
        let html = matches!(key, "description" | "dc_description" | "media_description");
        Ok(self.text_place(Capture::Summary(typed(if html { "text/html" } else { "text/plain" })?)))
    }

    /// Where a text element's children are: inside XHTML text (written back into it), or nowhere.
    fn text_place(&mut self, capture: Capture) -> (Place, Capture) {
        let kind = match capture {
            Capture::Title(k, _) | Capture::Summary(k) | Capture::SummaryAsContent(k) | Capture::Content(k) => k,
            _ => "",
        };
        if kind == XHTML_TYPE {
            self.xhtml = 1;
            self.xhtml_tags.clear();
            (Place::Xhtml, capture)
        } else {
            (Place::Done, capture)
        }
    }

    /// A link element: an href (Atom's) sets the link where it is an alternate HTML one; text (RSS's) is read.
    fn link(&mut self, attrs: &[Attr<'a>], feed: bool) -> Res<Capture> {
        if Self::attr(attrs, "url").is_some() || Self::attr(attrs, "uri").is_some() {
            return fail("a link with a url or uri attribute");
        }
        match Self::attr(attrs, "href") {
            None => Ok(if feed { Capture::FeedLink } else { Capture::Link }),
            Some(href) => {
                // (feedparser lower-cases rel and type)
                let rel = Self::attr(attrs, "rel").map_or_else(|| "alternate".to_string(), |r| r.to_ascii_lowercase());
                let kind = Self::attr(attrs, "type").map(|t| t.to_ascii_lowercase());
                let html = match kind.as_deref() {
                    None => rel != "self",
                    Some("text/html" | "html" | "application/xhtml+xml" | "xhtml") => true,
                    _ => false,
                };
                if rel == "alternate" && html {
                    if href != py_strip(href) || href.is_empty() {
                        return fail("a link with spaces around its address");
                    }
                    let href = href.to_string(); // (an attribute: feedparser does not repair it)
                    let base = self.base;
                    if feed {
                        self.feed_link = Some(href);
                        self.feed_link_base = base;
                        self.feed_link_href = true;
                    } else {
                        self.entry().link = Some((href, 2, base));
                    }
                }
                Ok(Capture::Ignore)
            }
        }
    }

    /// An element's text at its end tag.
    fn close(&mut self, capture: Capture, text: &str, depth: usize) -> Res<()> {
        let unwrapped;
        let text = if self.xhtml > 0 {
            self.xhtml = 0;
            unwrapped = unwrap_div(text, &self.xhtml_tags);
            unwrapped.as_str()
        } else {
            text
        };
        match capture {
            Capture::None | Capture::Ignore | Capture::Inner => {}
            Capture::FeedTitle => {
                let v = self.finish(text);
                let d = depth as isize;
                if !(-1 < self.title_depth && self.title_depth <= d) {
                    if !v.is_empty() {
                        self.title_depth = d;
                    }
                    self.feed_title = Some(v);
                }
            }
            Capture::FeedLink => {
                self.feed_link = Some(py_strip(text).to_string()); // (repaired after it is resolved)
                self.feed_link_base = self.base;
                self.feed_link_href = false;
            }
            Capture::FeedLanguage => self.feed_language = Some(self.finish(text)),
            Capture::FeedId => {
                if self.feed_link.is_none() {
                    self.feed_link = Some(py_strip(text).to_string());
                    self.feed_link_base = self.base;
                    self.feed_link_href = false;
                }
            }
            Capture::Title(kind, media) => {
                // feedparser's pop: a title where one was read as deep or shallower is dropped; else its type
                // is kept, and its value where none came from shallower; a media:title leaves title_depth be.
                let v = self.finish(text);
                let d = depth as isize;
                if !(-1 < self.title_depth && self.title_depth <= d) {
                    if !v.is_empty() && !media {
                        self.title_depth = d;
                    }
                    let entry = self.entry();
                    let keep = entry.title_at.map_or(true, |at| depth <= at);
                    let kind = if keep { kind } else { return fail("a title's type kept without its value") };
                    entry.title = Some((v, kind));
                    entry.title_at = Some(depth);
                }
            }
            Capture::Summary(kind) => {
                let v = self.finish(text);
                let lang = self.lang;
                let entry = self.entry();
                if entry.summary_at.map_or(true, |at| depth <= at) {
                    entry.summary = Some((v, Some(kind), lang));
                    entry.summary_at = Some(depth);
                } else {
                    return fail("a summary's type kept without its value");
                }
            }
            Capture::SummaryAsContent(kind) | Capture::Content(kind) => {
                let v = self.finish(text);
                let lang = self.lang;
                let entry = self.entry();
                if entry.summary.is_none() {
                    entry.summary = Some((v.clone(), None, None)); // (feedparser's copy: no type)
                }
                entry.contents.push((v, kind, lang));
            }
            Capture::Id => {
                let v = py_strip(text).to_string(); // (feedparser resolves it, then repairs it: the caller does)
                let base = self.base;
                let entry = self.entry();
                let has_link = entry.link.is_some();
                if entry.guidislink.is_none() {
                    entry.guidislink = Some(entry.permalink && !has_link);
                }
                if entry.permalink && !has_link {
                    entry.link = Some((v.clone(), 3, base));
                }
                entry.id = Some(v);
                entry.id_base = base;
            }
            Capture::Link => {
                let v = py_strip(text).to_string();
                let base = self.base;
                self.entry().link = Some((v, 1, base));
            }
            Capture::Date(k) => {
                let v = self.finish(text);
                self.entry().dates[k] = Some(v);
            }
            Capture::AuthorText => {
                let v = self.finish(text);
                let last = self.entry().authors.last_mut().unwrap();
                if last.0.is_some() || last.1.is_some() {
                    if !v.is_empty() {
                        return fail("an author with text beside its elements");
                    }
                } else {
                    last.2 = Some(v);
                }
            }
            Capture::AuthorName => {
                let v = self.finish(text);
                self.entry().authors.last_mut().unwrap().0 = Some(v);
            }
            Capture::AuthorEmail => {
                let v = self.finish(text);
                self.entry().authors.last_mut().unwrap().1 = Some(v);
            }
        }
        Ok(())
    }

    fn root(&mut self, qname: &'a str, attrs: &[Attr<'a>], declared: usize) -> Res<()> {
        let (prefix, local) = match qname.find(':') {
            Some(c) => (&qname[..c], &qname[c + 1..]),
            None => ("", qname),
        };
        let uri = self.lookup(prefix).map(|u| u.to_string());
        if uri.is_none() && !prefix.is_empty() {
            return fail("an unbound prefix");
        }
        let uri = uri.unwrap_or_default();
        // The version feedparser reads from the root's declarations, in their order.
        let mut hint = "";
        for (p, u) in self.bindings[self.bindings.len() - declared..].iter() {
            let lower = u.to_ascii_lowercase();
            if p.is_empty() && lower == RSS090 {
                hint = "rss09x";
                break;
            }
            if lower == RSS10 {
                hint = "rss10";
                break;
            }
            if lower == ATOM10.to_ascii_lowercase() {
                hint = "atom10";
                break;
            }
        }
        if uri.is_empty() && local == "rss" {
            if hint == "rss09x" || hint == "rss10" {
                return fail("an rss root with RSS 1.0's namespace");
            }
            let version = Self::attr(attrs, "version").unwrap_or("");
            self.format = if matches!(version, "0.91" | "0.92" | "0.93" | "0.94") { "rss09x" } else { "rss20" };
            self.atom = false;
        } else if uri == RDF && local == "RDF" && (hint == "rss10" || hint == "rss09x") {
            self.format = hint;
            self.rdf = true;
        } else if uri == ATOM10 && local == "feed" && hint == "atom10" {
            self.format = "atom10";
            self.atom = true;
        } else {
            return fail(&format!("root {local}"));
        }
        for a in attrs {
            let l = a.key.as_str();
            if l == "lang" || l == "xml:lang" {
                self.root_lang = if a.value.is_empty() { None } else { Some(a.value.replace('_', "-")) };
            } else if l == "lastmod" || l == "href" {
                return fail("a root with attributes feedparser reads");
            }
        }
        Ok(())
    }

    fn run(&mut self) -> Res<()> {
        check_chars(self.b)?;
        // "]]>" may end a CDATA section only (it is not allowed in text; in a comment, a processing
        // instruction or an attribute value it is, but rare enough to leave such a document to the others).
        let closings = memchr::memmem::find_iter(self.b, b"]]>").count();
        let mut sections = 0usize;
        if self.peek("<?xml") && self.b.len() > 5 && is_space(self.b[5]) {
            self.declaration()?;
        }
        // The prolog: space, comments, processing instructions.
        loop {
            self.skip_space();
            if self.peek("<!--") {
                self.comment()?;
            } else if self.peek("<?") {
                self.pi()?;
            } else if self.peek("<!") {
                return fail("DOCTYPE");
            } else if self.peek("<") {
                break;
            } else {
                return fail("no root element after the prolog");
            }
        }
        let mut stack: Vec<Frame<'a>> = Vec::new();
        let mut text = String::new(); // the text of the element being read
        let mut done = false;
        while !done {
            // Text up to the next markup.
            let rest = &self.b[self.i..];
            let p = find_special(rest);
            let capturing = stack.last().map_or(false, |f| f.capture != Capture::None && f.capture != Capture::Ignore);
            if p > 0 {
                let chunk = &self.s[self.i..self.i + p];
                if stack.is_empty() {
                    return fail("text outside the root");
                }
                if capturing {
                    push_text(&mut text, chunk, self.xhtml > 0);
                }
                self.i += p;
                continue;
            }
            if self.i >= self.b.len() {
                return fail("no element found (the document ends inside the root)");
            }
            match self.b[self.i] {
                b'&' => {
                    if stack.is_empty() {
                        return fail("text outside the root");
                    }
                    self.i += 1;
                    let mut one = String::new();
                    self.reference(&mut one)?;
                    if capturing {
                        push_text(&mut text, &one, self.xhtml > 0);
                    }
                }
                b'\r' => {
                    self.i += 1;
                    if self.i < self.b.len() && self.b[self.i] == b'\n' {
                        self.i += 1;
                    }
                    if capturing {
                        text.push('\n');
                    }
                }
                b']' => {
                    if self.peek("]]>") {
                        return fail("']]>' in text");
                    }
                    self.i += 1;
                    if capturing {
                        text.push(']');
                    }
                }
                _ => {
                    // '<'
                    if self.peek("<!--") {
                        self.comment()?;
                    } else if self.peek("<![CDATA[") {
                        if stack.is_empty() {
                            return fail("CDATA outside the root");
                        }
                        self.i += 9;
                        let end = match self.s[self.i..].find("]]>") {
                            Some(e) => self.i + e,
                            None => return fail("a CDATA section not closed"),
                        };
                        if capturing {
                            let chunk = &self.s[self.i..end];
                            let escape = self.xhtml > 0;
                            if chunk.contains('\r') {
                                push_text(&mut text, &chunk.replace("\r\n", "\n").replace('\r', "\n"), escape);
                            } else {
                                push_text(&mut text, chunk, escape);
                            }
                        }
                        self.i = end + 3;
                        sections += 1;
                    } else if self.peek("<?") {
                        self.pi()?;
                    } else if self.peek("<!") {
                        return fail("a declaration inside the document");
                    } else if self.peek("</") {
                        self.i += 2;
                        let name = self.name()?;
                        self.skip_space();
                        if !self.peek(">") {
                            return fail("a bad end tag");
                        }
                        self.i += 1;
                        let frame = match stack.pop() {
                            Some(f) => f,
                            None => return fail("an end tag without a start"),
                        };
                        if frame.qname != name {
                            return fail("mismatched tag");
                        }
                        if frame.capture == Capture::Inner {
                            self.write_tag(&mut text, frame.qname, true);
                        } else {
                            self.end(&frame, &text)?;
                            if frame.capture != Capture::None && frame.capture != Capture::Ignore {
                                text.clear();
                            }
                        }
                        self.unscope_base();
                        self.bindings.truncate(self.bindings.len() - frame.bindings);
                        if stack.is_empty() {
                            done = true;
                        }
                    } else {
                        self.i += 1;
                        if let Some(parent) = stack.last_mut() {
                            parent.children = true;
                            if parent.capture != Capture::None && parent.capture != Capture::Ignore
                                && parent.place != Place::Author && parent.place != Place::Xhtml {
                                return fail("an element inside a value");
                            }
                        } else if self.format != "" {
                            return fail("junk after the root element");
                        }
                        let (qname, attrs, empty, declared) = self.start_tag()?;
                        let depth = stack.len();
                        // (feedparser: a base attribute, or none, is this element's base, from the one in effect)
                        if let Some(a) = attrs.iter().find(|a| a.key == "base" || a.key == "xml:base") {
                            if !a.value.is_empty() {
                                self.bases.push((self.base, a.value.to_string()));
                                self.truthy.push(true);
                                self.base = self.bases.len() - 1;
                            }
                        }
                        self.base_stack.push(self.base);
                        if let Some(a) = attrs.iter().find(|a| a.key == "lang" || a.key == "xml:lang") {
                            self.lang = if a.value.is_empty() {
                                None
                            } else {
                                self.langs.push(a.value.replace('_', "-"));
                                Some(self.langs.len() - 1)
                            };
                        }
                        self.lang_stack.push(self.lang);
                        let (place, capture) = if depth == 0 {
                            self.root(qname, &attrs, declared)?;
                            (if self.atom { Place::Feed } else { Place::Outside }, Capture::None)
                        } else {
                            let inside = stack.last().is_some_and(|f| f.place == Place::Xhtml);
                            let (key, prefixed, role) = match self.keys.get(qname) {
                                Some((k, p, r)) if !inside => (k.clone(), *p, *r),
                                _ if inside => {
                                    let (k, p) = self.key(qname)?;
                                    (Arc::from(k), p, Role::Unknown)
                                }
                                _ => {
                                    let (k, p) = self.key(qname)?;
                                    let r = role_of(&k, &self.cfg.handlers);
                                    let k: Arc<str> = Arc::from(k);
                                    self.keys.insert(qname, (k.clone(), p, r));
                                    (k, p, r)
                                }
                            };
                            let parent = stack.last().unwrap().place;
                            if parent == Place::Done {
                                return fail("an element inside a value");
                            }
                            if parent == Place::Author {
                                if !py_strip(&text).is_empty() {
                                    return fail("an author with text beside its elements");
                                }
                                text.clear();
                            }
                            self.open(&key, prefixed, role, &attrs, parent)?
                        };
                        if capture == Capture::Inner {
                            self.write_tag(&mut text, qname, false);
                        }
                        let frame = Frame { qname, bindings: declared, place, capture, children: false, depth };
                        if empty && capture == Capture::Inner {
                            self.write_tag(&mut text, qname, true);
                            self.bindings.truncate(self.bindings.len() - declared);
                            self.unscope_base();
                        } else if empty {
                            self.end(&frame, "")?;
                            self.unscope_base();
                            self.bindings.truncate(self.bindings.len() - declared);
                            if depth == 0 {
                                done = true;
                            }
                        } else {
                            stack.push(frame);
                        }
                    }
                }
            }
        }
        if sections != closings {
            return fail("']]>' outside a CDATA section");
        }
        // After the root: space, comments, processing instructions.
        loop {
            self.skip_space();
            if self.i >= self.b.len() {
                break;
            }
            if self.peek("<!--") {
                self.comment()?;
            } else if self.peek("<?") {
                self.pi()?;
            } else {
                return fail("junk after the root element");
            }
        }
        Ok(())
    }

    /// A tag inside XHTML text written back into it as feedparser writes it (its local name, lower case;
    /// attributes, which clean() drops, left out).
    fn write_tag(&mut self, text: &mut String, qname: &str, end: bool) {
        let local = qname.rsplit(':').next().unwrap_or(qname).to_ascii_lowercase();
        let start = text.len();
        text.push_str(if end { "</" } else { "<" });
        text.push_str(&local);
        text.push('>');
        self.xhtml_tags.push((start, text.len(), end));
    }

    /// feedparser's unknown_endtag: the parent's base is in effect again where it is not empty.
    fn unscope_base(&mut self) {
        self.lang_stack.pop();
        if let Some(&top) = self.lang_stack.last() {
            self.lang = top;
        }
        self.base_stack.pop();
        if let Some(&top) = self.base_stack.last() {
            if self.truthy[top] {
                self.base = top;
            }
        }
    }

    fn end(&mut self, frame: &Frame<'a>, text: &str) -> Res<()> {
        if frame.place == Place::Author {
            // An Atom author: its elements, or text only.
            let last = self.entry().authors.last_mut().unwrap();
            if frame.children {
                if last.0.is_none() && last.1.is_none() {
                    return fail("an author without a name or an address");
                }
                if !py_strip(text).is_empty() {
                    return fail("an author with text beside its elements");
                }
                return Ok(());
            }
        }
        if matches!(frame.place, Place::Entry) {
            self.has_content = false; // (feedparser's _end_item)
        }
        self.close(frame.capture, text, frame.depth)
    }
}

fn opt(py: Python<'_>, v: &Option<String>) -> PyObject {
    match v {
        Some(s) => PyString::new(py, s).into_any().unbind(),
        None => py.None(),
    }
}

#[pymethods]
impl FeedReader {
    #[new]
    fn new(known: FxHashMap<String, String>, handlers: Vec<String>) -> Self {
        FeedReader { known, handlers: handlers.into_iter().map(|h| h.to_ascii_lowercase()).collect() }
    }

    /// ``data`` (UTF-8, a byte-order mark allowed) read: (format, feed title, feed link, (the index of its base,
    /// whether it was an href),
    /// feed language (None where no element gives one), the root's xml:lang, the xml:bases written (each as
    /// the index of the base it is resolved against and its value; index 0 is the document's location, which
    /// ``located`` says is not empty, 1 the first of these), entries), or why not (a str). Each entry:
    /// (title, its type, summary, (its type, its language) (None where copied from content), [(content, its
    /// type, its language)], id,
    /// whether the id is a permalink, guidislink,
    /// link, how the link was given (1 text, 2 href, 3 the id), published, updated, created, authors as
    /// (name, email, text), (the index of the id's base (-1: not resolved), of the link's)).
    #[pyo3(signature = (data, located=false))]
    fn read(&self, py: Python<'_>, data: &[u8], located: bool) -> PyResult<PyObject> {
        let body = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
        let Ok(s) = std::str::from_utf8(body) else {
            return Ok(PyString::new(py, "not UTF-8").into_any().unbind());
        };
        let mut r = Reader {
            cfg: self, s, b: s.as_bytes(), i: 0, bindings: Vec::new(), bound: FxHashMap::default(), keys: FxHashMap::default(),
            unknown_prefix: FxHashMap::default(), atom: false, format: "", rdf: false, has_content: false, feed_summary: false,
            root_lang: None, bases: vec![(0, String::new())], truthy: vec![located], base: 0,
            base_stack: Vec::new(), feed_link_base: 0, feed_link_href: false, langs: Vec::new(), lang: None, lang_stack: Vec::new(),
            xhtml: 0, xhtml_tags: Vec::new(),
            feed_title: None,
            title_depth: -1, feed_link: None, feed_language: None, channels: 0, entries: Vec::new(),
        };
        if let Err(why) = py.allow_threads(|| r.run()) {
            return Ok(PyString::new(py, &why).into_any().unbind());
        }
        let entries = PyList::empty(py);
        for e in &r.entries {
            let pair = |v: &Option<(String, &'static str)>| -> (PyObject, PyObject) {
                match v {
                    Some((s, k)) => (PyString::new(py, s).into_any().unbind(), PyString::new(py, k).into_any().unbind()),
                    None => (py.None(), py.None()),
                }
            };
            let (title, title_type) = pair(&e.title);
            let lang = |l: &Option<usize>| l.map(|i| r.langs[i].as_str());
            let (summary, summary_type) = match &e.summary {
                Some((s, k, l)) => (
                    PyString::new(py, s).into_any().unbind(),
                    k.map_or(Ok(py.None()), |k| (k, lang(l)).into_pyobject(py).map(|t| t.into_any().unbind()))?,
                ),
                None => (py.None(), py.None()),
            };
            let contents = PyList::empty(py);
            for (v, k, l) in &e.contents {
                contents.append((v.as_str(), *k, lang(l)))?;
            }
            let (link, how, link_base) = match &e.link {
                Some((l, h, b)) => (PyString::new(py, l).into_any().unbind(), *h, *b),
                None => (py.None(), 0u8, 0),
            };
            let how = how.into_pyobject(py)?.into_any().unbind();
            let bases = (e.id_base as i64, link_base as i64).into_pyobject(py)?.into_any().unbind();
            let authors = PyList::empty(py);
            for (name, email, text) in &e.authors {
                authors.append(PyTuple::new(py, [opt(py, name), opt(py, email), opt(py, text)])?)?;
            }
            let guidislink = match e.guidislink {
                Some(g) => g.into_pyobject(py)?.to_owned().into_any().unbind(),
                None => py.None(),
            };
            let permalink = e.permalink.into_pyobject(py)?.to_owned().into_any().unbind();
            let items: [PyObject; 15] = [
                title, title_type, summary, summary_type, contents.into_any().unbind(), opt(py, &e.id), permalink, guidislink,
                link, how, opt(py, &e.dates[0]), opt(py, &e.dates[1]), opt(py, &e.dates[2]), authors.into_any().unbind(),
                bases,
            ];
            entries.append(PyTuple::new(py, items)?)?;
        }
        let bases = PyList::empty(py);
        for (from, value) in &r.bases[1..] {
            bases.append((*from, value.as_str()))?;
        }
        let link_base = (r.feed_link_base, r.feed_link_href).into_pyobject(py)?.into_any().unbind();
        let out: [PyObject; 8] = [
            PyString::new(py, r.format).into_any().unbind(), opt(py, &r.feed_title), opt(py, &r.feed_link),
            link_base, opt(py, &r.feed_language), opt(py, &r.root_lang),
            bases.into_any().unbind(), entries.into_any().unbind(),
        ];
        Ok(PyTuple::new(py, out)?.into_any().unbind())
    }
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn valid(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1900..=2200).contains(&y) && (1..=12).contains(&mo) && d >= 1 && d <= days[(mo - 1) as usize]
        && (0..24).contains(&h) && (0..60).contains(&mi) && (0..60).contains(&s)
}

fn digits(s: &str, n: usize) -> Option<i64> {
    if s.len() == n && s.bytes().all(|c| c.is_ascii_digit()) { s.parse().ok() } else { None }
}

/// feedparser's reading of the two date forms feeds mostly use, as seconds since the epoch (UTC), where the
/// value is exactly one of them; None for anything else (feedparser's own date handlers then read it).
/// RFC 822 (``Mon, 06 Sep 2010 00:01:00 +0000``), read as feedparser's rfc822 handler reads it, and W3C-DTF
/// (``2010-09-06T00:01:00Z``, ``...+02:00``, fractions of a second cut), as its w3dtf handler does.
#[pyfunction]
pub fn feed_date(value: &str) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() || !v.is_ascii() {
        return None;
    }
    if v.as_bytes()[0].is_ascii_digit() && v.len() >= 10 && v.as_bytes()[4] == b'-' {
        // (feedparser's w3dtf handler reads the value as it is: space around it is left to its other handlers)
        return if v.len() == value.len() { w3dtf(v) } else { None };
    }
    rfc822(v)
}

fn w3dtf(v: &str) -> Option<i64> {
    let (date, rest) = match v.find(['T', 't']) {
        Some(t) => (&v[..t], Some(&v[t + 1..])),
        None => (v, None),
    };
    if date.len() != 10 || &date[4..5] != "-" || &date[7..8] != "-" {
        return None;
    }
    let (y, mo, d) = (digits(&date[..4], 4)?, digits(&date[5..7], 2)?, digits(&date[8..10], 2)?);
    let (mut h, mut mi, mut s, mut offset) = (0, 0, 0, 0);
    if let Some(rest) = rest {
        let (clock, zone) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
            (c, "")
        } else if let Some(p) = rest.find(['+', '-']) {
            (&rest[..p], &rest[p..])
        } else {
            (rest, "")
        };
        if !zone.is_empty() {
            if zone.len() != 6 || &zone[3..4] != ":" {
                return None;
            }
            let (zh, zm) = (digits(&zone[1..3], 2)?, digits(&zone[4..6], 2)?);
            offset = (zh * 3600 + zm * 60) * if zone.starts_with('-') { -1 } else { 1 };
        }
        let parts: Vec<&str> = clock.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return None;
        }
        h = digits(parts[0], 2)?;
        mi = digits(parts[1], 2)?;
        if parts.len() == 3 {
            let sec = parts[2];
            let whole = match sec.find('.') {
                Some(dot) => {
                    if dot + 1 == sec.len() || !sec[dot + 1..].bytes().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    &sec[..dot]
                }
                None => sec,
            };
            s = digits(whole, 2)?;
        }
    } else if v.len() != 10 {
        return None;
    }
    if !valid(y, mo, d, h, mi, s) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset)
}

fn rfc822(v: &str) -> Option<i64> {
    let lower = v.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split_ascii_whitespace().collect();
    if parts.len() == 6 {
        let day = parts[0].strip_suffix(',').unwrap_or(parts[0]);
        if !matches!(day, "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun") {
            return None;
        }
        parts.remove(0);
    }
    if parts.len() != 5 {
        return None;
    }
    let day = if parts[0].len() <= 2 { parts[0].parse::<i64>().ok()? } else { return None };
    if !parts[0].bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    if parts[1].len() < 3 || !parts[1].bytes().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let month = months.iter().position(|m| *m == &parts[1][..3])? as i64 + 1;
    let year = digits(parts[2], 4)?;
    let clock: Vec<&str> = parts[3].split(':').collect();
    if clock.len() < 2 || clock.len() > 3 {
        return None;
    }
    let h = digits(clock[0], 2)?;
    let mi = digits(clock[1], 2)?;
    let s = if clock.len() == 3 { digits(clock[2], 2)? } else { 0 };
    let zone = parts[4];
    let offset = if zone.starts_with(['+', '-']) {
        if zone.len() != 5 {
            return None;
        }
        let (zh, zm) = (digits(&zone[1..3], 2)?, digits(&zone[3..5], 2)?);
        (zh * 3600 + zm * 60) * if zone.starts_with('-') { -1 } else { 1 }
    } else {
        3600 * match zone {
            "ut" | "gmt" | "z" | "utc" => 0,
            "edt" => -4,
            "est" | "cdt" => -5,
            "cst" | "mdt" => -6,
            "mst" | "pdt" => -7,
            "pst" => -8,
            _ => return None,
        }
    };
    if !valid(year, month, day, h, mi, s) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86400 + h * 3600 + mi * 60 + s - offset)
}
