"""The coopsync benchmark (scripts/bench): seed, launcher, floor client, latency, report."""
