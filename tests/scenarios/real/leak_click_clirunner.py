"""A service drives its click command in-process with ``CliRunner().invoke(...)`` per
request and reads ``result.output``. In click 8.5.1 this leaks: ``click.echo`` caches a
text wrapper per output stream in a ``WeakKeyDictionary`` whose value refers back to its
key (the runner's captured stream), so no entry is ever dropped and every invocation's
stream objects stay alive (about 1.4 KB per call)."""

import itertools

import click
from click.testing import CliRunner

LIBRARIES = ("click",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +17.32/+17.94/+17.97/+17.26, "
    "C heap +27.8/+29.5/+59.0/+0.0 B, RSS +1288/+1366/+1373/+1304 B"
)
HOLDER = "_default_text_stdout"
DIAGNOSIS = "library_state"

_ids = itertools.count()


@click.command()
@click.argument("name")
@click.option("--shout", is_flag=True)
def greet(name, shout):
    message = f"hello {name}"
    click.echo(message.upper() if shout else message)


def step():
    n = next(_ids)
    result = CliRunner().invoke(greet, [f"user{n}", "--shout"] if n % 2 else [f"user{n}"])  # SITE
    return len(result.output)
