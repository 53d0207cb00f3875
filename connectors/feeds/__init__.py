"""Feed formats to Stories: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser on bytes we fetched
(``feedparser_path``), a fast path for well-formed common feeds that gives the same Stories (``fast``), JSON
Feed (``jsonfeed``) and URL joining as feedparser does it (``urljoin``)."""
