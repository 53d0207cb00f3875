"""Where outcomes go: atomic files and the date-partitioned archive (``files``) and the always-on pipeline's
delivery of alerts, archive files and dead letters before its offsets move (``delivery``)."""
