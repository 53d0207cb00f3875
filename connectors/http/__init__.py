"""Fetching feeds safely over HTTP/1.1: the fetcher (``fetch``) with its settings and results (``model``), one
request framed by h11 (``conn``), streaming body decoding with a size cap (``bodycap``), the SSRF guard that
checks the address actually connected to (``ssrf``), politeness per host (``hostlimit``) and Retry-After
(``retryafter``). A fetch never raises: it returns a result or an error with a ``retriable`` sense."""
