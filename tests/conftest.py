import os

# Real matplotlib, headless.
os.environ.setdefault("MPLBACKEND", "Agg")
