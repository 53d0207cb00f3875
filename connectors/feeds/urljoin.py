"""URL joining as ``urllib.parse.urljoin`` (and feedparser's ``_urljoin``) does it, without the parsing where
the answer is known: nearly every feed link is already a plain absolute http(s) URL, which both return as
it is whatever the base. That costs a regular-expression match instead of two parses and an unparse.

"Plain" is conservative: a lowercase http or https scheme, a host of letters, digits, dots and hyphens, an
optional port, then path, query and fragment characters from RFC 3986 without ``;`` (urlparse splits
parameters off at it and drops an empty set), and no empty query or fragment (unparsing drops a bare
``?`` or ``#``). tests/connectors/test_urljoin.py checks the shortcut against the library on generated URLs.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from feedparser.urls import _urljoin

_PATH = r"[A-Za-z0-9\-._~%!$&'()*+,=:@/]"
_PLAIN_ABSOLUTE = re.compile(
    rf"https?://[A-Za-z0-9.-]+(?::[0-9]{{1,5}})?(?:/{_PATH}*)?(?:\?[?{_PATH[1:-1]}]+)?(?:#[?#{_PATH[1:-1]}]+)?"
)


def plain_absolute(url: str) -> bool:
    """Whether both joins return ``url`` itself for any base."""
    return _PLAIN_ABSOLUTE.fullmatch(url) is not None


def join(base: str | None, url: str) -> str:
    """``urllib.parse.urljoin(base, url)``."""
    return url if not base or plain_absolute(url) else urljoin(base, url)


def feedparser_join(base: str, url: str) -> str:
    """feedparser's ``_urljoin(base, url)`` (its fix for extra slashes after the scheme, then urljoin)."""
    return url if plain_absolute(url) else _urljoin(base, url)
