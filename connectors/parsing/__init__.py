"""What every document parser shares: which format some bytes are (``sniff``), the one entry point that
hands them to the right parser (``dispatch``), XML parsed without ever expanding entities or loading a DTD
(``safexml``, with ``prolog`` reading everything before the root element), documents cut short
(``truncated``), the shape every parser reports in: items, dead letters and notes (``results``), and the
ids and times every format derives alike (``ids``, ``times``)."""
