import os

# Real matplotlib, headless.
os.environ.setdefault("MPLBACKEND", "Agg")

# pytester drives the pytest plugin in child pytest runs (tests/integration/test_pytest_plugin.py).
pytest_plugins = ("pytester",)
