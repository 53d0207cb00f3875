"""The watch-list rule language: parse (loader, parser, terms), compile (program, prefilter), match
(view, evaluate) and explain. ``transforms.rules`` and ``transforms.match`` are its public face."""
