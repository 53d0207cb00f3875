"""The fast feed path: well-formed RSS and Atom read with lxml into the same Stories feedparser would give,
declining (so that feedparser runs) wherever the result could differ. ``path`` is the entry point; ``rss``
and ``atom`` the readers; ``reader``, ``values``, ``xhtml``, ``keys``, ``ext``, ``scan`` and ``loose`` what
they share."""
