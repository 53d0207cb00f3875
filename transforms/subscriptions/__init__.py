"""Alert subscribers as pure decisions: which alerts a subscriber wants, one alert per rule and story cluster
with escalations as the cluster grows, and the pacing of what is sent (rate limits, digests, quiet hours).
Every function takes the time as an argument; the delivery step (pipelines/deliver.py) keeps the state."""
