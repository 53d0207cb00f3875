"""Feed formats to Stories: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser on bytes we fetched
(``feedparser_path``), the fast reader that answers most plain feeds with fastfeedparser bridged to
feedparser's answer (``fastfeedparser_path``, with ``rss_summaries``), JSON Feed (``jsonfeed``) and URL
joining as feedparser does it (``urljoin``)."""
