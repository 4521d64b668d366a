"""``python -m leaksleuth``: the command line."""

from leaksleuth.cli import entry_point

if __name__ == "__main__":
    entry_point()
