"""One spelling per article URL: ``canonical_url`` folds the ways outlets, feeds and share buttons write the same
address (scheme and host case, ``www.``/mobile/AMP hosts and paths, default ports, tracking parameters,
fragments, trailing slashes, parameter order, redirect wrappers that carry their target) into one, so that two
copies of a link compare equal. Pure and total: any text goes in, none raises.

What cannot be done offline is not attempted: a short link (``t.co``, ``bit.ly``) or a FeedBurner
``feedproxy.google.com/~r/...`` address names its target only on the server it redirects from, and a Google
News ``/articles/CBM...`` token is opaque; those stay as they are (canonicalised as addresses of their own).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that say how a reader arrived, never which article: dropped (names compared case-blind).
TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_", "at_", "wt.", "fb_", "ga_", "oly_", "vero_", "__twitter")
TRACKING = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "ttclid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "rb_clickid", "s_kwcid", "ef_id", "spm",
    "ref", "ref_src", "ref_url", "referrer", "cmpid", "cmp", "ncid", "ocid", "icid", "smid", "smtyp", "sr_share",
    "s_cid", "soc_src", "soc_trk", "ito", "mbid", "share", "platform", "taid", "ftag", "xtor", "src",
    "rss", "feed", "feedtype", "partner", "cid_source", "dicbo", "guccounter", "guce_referrer",
    "guce_referrer_sig",
})
# Parameters that ask for the AMP rendering of the same article (``?outputType=amp``, ``?amp=1``): name ->
# the values that mean it.
_AMP = {"amp": {"", "1", "true", "yes"}, "_amp": {"", "1", "true"}, "outputtype": {"amp"}, "output": {"amp"}}
# Host prefixes naming another rendering of the same site; dropped while a registrable name remains.
_HOST_PREFIX = re.compile(r"www2?\.|m\.|mobile\.|amp\.")
_DEFAULT_PORTS = ("80", "443")  # http and https are one scheme here, so either default port is no port
# Wrappers whose target travels in a query parameter: (host, or a suffix starting with "."), path, parameter.
_WRAPPERS = (
    ("google.com", "/url", ("q", "url")),
    ("news.google.com", "/news/url", ("url",)),
    ("news.google.com", "/url", ("url",)),
    ("l.facebook.com", "/l.php", ("u",)),
    ("lm.facebook.com", "/l.php", ("u",)),
    ("facebook.com", "/l.php", ("u",)),
    ("l.instagram.com", "/", ("u",)),
    ("out.reddit.com", None, ("url",)),
    ("linkedin.com", "/redir/redirect", ("url",)),
    ("t.umblr.com", "/redirect", ("z",)),
    ("duckduckgo.com", "/l/", ("uddg",)),
    (".safelinks.protection.outlook.com", "/", ("url",)),
    ("feedproxy.google.com", None, ("url",)),
)
_WRAPPER_HOSTS = frozenset(h for h, _, _ in _WRAPPERS if not h.startswith("."))
_WRAPPER_SUFFIXES = tuple(h for h, _, _ in _WRAPPERS if h.startswith("."))
_AMP_CACHE = ".cdn.ampproject.org"
_AMP_SUFFIXES = {".amp.html": ".html", ".amp.htm": ".htm", ".amp": ""}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/%:@!$&'()*+,;=~-._"
_MAX_UNWRAP = 8


def canonical_url(url: str) -> str:
    """The URL's canonical spelling; text that is no absolute http(s) URL comes back stripped, unchanged."""
    text = url.strip() if isinstance(url, str) else ""
    try:
        for _ in range(_MAX_UNWRAP):
            text, inner = _canonical(text)
            if not inner:  # not a wrapper: canonical already
                break
        return text
    except (ValueError, UnicodeError):
        return text


def identity_url(url: str | None) -> str | None:
    """The canonical URL when it looks like one article's address: an http(s) URL with a query, a digit in
    its path, or a last path segment like a slug or a file name (``quake-hits-japan``, ``story.html``). A
    home or section page (``/``, ``/news/world``, ``/asia-pacific``), which some feeds give as every item's
    link, names none."""
    if not url:
        return None
    canon = canonical_url(url)
    if not canon.startswith("https://"):
        return None
    parts = urlsplit(canon)
    last = parts.path.rpartition("/")[2]
    article = (parts.query or any(c.isdigit() for c in parts.path) or "." in last
               or last.count("-") + last.count("_") >= 2)
    return canon if article else None


def _canonical(text: str) -> tuple[str, bool]:
    """One step: the canonical form (False), or the address a wrapper or the AMP cache holds (True)."""
    if text.startswith("//"):
        text = "https:" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return text, False
    host, port = _host_port(parts.netloc)
    if not host:
        return text, False
    query = parse_qsl(parts.query, keep_blank_values=True)
    target = _wrapped_target(host, parts.path, query)
    if target is not None:
        return target, True
    path = _path(parts.path)
    if host.endswith(_AMP_CACHE):  # https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a.amp.html
        inner = re.match(r"^/[a-z](/s)?/([^/]+)(/.*)?$", path)
        if inner:
            return ("https" if inner.group(1) else "http") + "://" + inner.group(2) + (inner.group(3) or "/"), True
    return urlunsplit(("https", host + port, path, _query(query), "")), False


def _host_port(netloc: str) -> tuple[str, str]:
    hostport = netloc.rpartition("@")[2].lower()
    if hostport.startswith("["):  # an IPv6 literal keeps its brackets
        host, _, rest = hostport[1:].partition("]")
        host, port = f"[{host}]", rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    host = host.rstrip(".")
    if port.isdigit():
        port = str(int(port))
        port = "" if port in _DEFAULT_PORTS else port
    while (prefix := _HOST_PREFIX.match(host)) and "." in host[prefix.end():].strip("."):
        host = host[prefix.end():]
    return host, (f":{port}" if port else "")


def _wrapped_target(host: str, path: str, query: list[tuple[str, str]]) -> str | None:
    if not query or (host not in _WRAPPER_HOSTS and not host.endswith(_WRAPPER_SUFFIXES)):
        return None
    for wrapper_host, wrapper_path, names in _WRAPPERS:
        host_ok = host.endswith(wrapper_host) if wrapper_host.startswith(".") else host == wrapper_host
        if not host_ok or (wrapper_path is not None and path != wrapper_path):
            continue
        for key, value in query:
            if key in names and re.match(r"^(?:https?:)?//[^/\s]", value.strip(), re.IGNORECASE):
                return value.strip()
    return None


def _path(path: str) -> str:
    path = _ESCAPE.sub(_escape, quote(path, safe=_PATH_SAFE))
    segments = path.split("/")
    while True:  # an AMP segment (/news/amp/world-123, /story/amp/) or suffix (a.amp.html): until none is left
        segments = [s for s in segments if s.lower() != "amp"]
        while len(segments) > 1 and not segments[-1]:  # trailing slashes
            segments.pop()
        last = segments[-1] if segments else ""
        suffix = next((x for x in _AMP_SUFFIXES if last.lower().endswith(x) and len(last) > len(x)), None)
        if suffix is None:
            break
        segments[-1] = last[: -len(suffix)] + _AMP_SUFFIXES[suffix]
    path = "/".join(segments).rstrip("/")
    return path if path.startswith("/") else "/" + path


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _query(query: list[tuple[str, str]]) -> str:
    kept = sorted((k, v) for k, v in query if not _tracking(k, v))
    return urlencode(kept, quote_via=quote, safe="")


def _tracking(key: str, value: str) -> bool:
    name = key.strip().lower()
    if value.strip().lower() in _AMP.get(name, ()):
        return True
    return name in TRACKING or name.startswith(TRACKING_PREFIXES)

