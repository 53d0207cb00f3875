"""Saved files in: paths and folders to Stories or dead letters (``read``), drop folders that take a file once
it is complete and remember what they delivered (``dropfolder``, ``dropstate``), the one way a state file of ours
is read back (``statefile``), the Beam edges of bounded runs (``beamio``) and the count of what a run has read,
for its progress line (``readtally``)."""
