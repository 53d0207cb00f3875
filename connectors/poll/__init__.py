"""Polling the feed list: the YAML list of feeds, validated with file:line errors (``config``), each feed's
cursor and when it is due (``state``), how one outcome moves the cursor (``step``, pure), adaptive intervals
and backoff (``schedule``), and one concurrent poll cycle over every due feed (``cycle``)."""
