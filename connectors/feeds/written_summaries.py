"""Summaries written as elements, read as feedparser reads them: an RSS description holding elements
(feedparser takes the elements for XHTML markup) and an Atom summary typed ``xhtml``. fastfeedparser keeps
their text only, or the text before the first element; the fast reader (connectors.feeds.fastfeedparser_path)
is given their markup from here, read again with lxml (safely, connectors.parsing.safexml). clean() keeps
the text of markup, so only the shapes whose text and line breaks come out as feedparser's are taken:
no prefixed elements (feedparser drops prefixes, and a block tag's line break with them), and in RSS no
``div`` first (feedparser drops a div before it knows the description is markup). In RSS the text before
the first element is markup as it stands, as feedparser keeps it (it reads the description as HTML until
an element says otherwise).
"""

from __future__ import annotations

from lxml import etree

from wirewatch.connectors.parsing.safexml import parse_xml
from wirewatch.errors import ParseError

_ATOM = "{http://www.w3.org/2005/Atom}"


def markups(data: bytes, atom: bool) -> list[str | None] | None:
    """Per entry (RSS 2.0 items, Atom entries, in document order), the markup of its summary where it is
    written as elements, else None; None for the whole where an entry's summary is not of a shape
    modelled here."""
    try:
        root = parse_xml(data)
    except ParseError:
        return None
    if atom:
        entries, tag = root.findall(f"{_ATOM}entry"), f"{_ATOM}summary"
    else:
        channel = root.find("channel")
        entries, tag = ([] if channel is None else channel.findall("item")), "description"
    found: list[str | None] = []
    for entry in entries:
        summaries = entry.findall(tag)
        if len(summaries) > 1:
            return None
        summary = summaries[0] if summaries else None
        if summary is None or not len(summary) and (not atom or summary.get("type") != "xhtml"):
            found.append(None)
            continue
        if any(element.prefix for element in summary.iter()):
            return None
        if atom:
            found.append(etree.tostring(summary, encoding=str, with_tail=False))
        elif etree.QName(summary[0]).localname == "div":
            return None
        else:  # the text before the first element as it is, the elements (and text after it) as markup
            found.append((summary.text or "") + "".join(etree.tostring(child, encoding=str) for child in summary))
    return found
