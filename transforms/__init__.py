"""Domain logic: pure functions over records, each wrapped in a Beam PTransform."""
