"""``leaksleuth run``: whole programs under the probe, streamed to a capture file."""
