"""An admin tool built with click exposes a command group; a chat-ops bot parses each
incoming message into arguments and runs it with ``cli.main(args, standalone_mode=False)``,
taking the command's return value as the reply. Contexts are discarded after each
invocation: correct code."""

import shlex

import click

LIBRARIES = ("click", "shlex")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


@click.group()
@click.option("--region", type=click.Choice(["eu", "us", "ap"]), default="eu")
@click.pass_context
def cli(ctx, region):
    ctx.obj = {"region": region}


@cli.command()
@click.argument("service")
@click.option("--replicas", type=click.IntRange(0, 50), required=True)
@click.option("--dry-run", is_flag=True)
@click.pass_obj
def scale(obj, service, replicas, dry_run):
    verb = "would scale" if dry_run else "scaled"
    return f"[{obj['region']}] {verb} {service} to {replicas}"


@cli.command()
@click.argument("service")
@click.option("--lines", "-n", type=int, default=20)
@click.option("--level", type=click.Choice(["debug", "info", "error"]), multiple=True)
@click.pass_obj
def logs(obj, service, lines, level):
    levels = ",".join(level) or "all"
    return f"[{obj['region']}] last {lines} {levels} lines of {service}"


_MESSAGES = (
    "--region us scale api --replicas {n}",
    "scale worker --replicas {n} --dry-run",
    "logs api -n {n} --level error --level info",
    "--region ap logs billing --lines {n}",
)


def setup():
    return {"i": 0}


def step(state):
    state["i"] += 1
    i = state["i"]
    message = _MESSAGES[i % len(_MESSAGES)].format(n=i % 40)
    return cli.main(shlex.split(message), prog_name="opsbot", standalone_mode=False)
