"""A connection manager turns each service's settings into a connection: it reads an INI
section with configparser, splits the command line with shlex, parses and rebuilds the
DSN with urllib.parse (urlsplit's lru_cache holds at most 128 URLs), checks the host
with ipaddress and fills a string.Template; the caches are bounded, so memory plateaus."""

import configparser
import ipaddress
import shlex
import string
import urllib.parse

LIBRARIES = ("urllib.parse", "configparser", "shlex", "ipaddress", "string")
EXPECT = "plateau|flat"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.93/+0.00/+0.00/+0.00, C heap +11.3/+0.0/+0.0/+0.0 B, RSS +79/+0/+0/+0 B"
)

_INI = """
[DEFAULT]
timeout = 5
pool = 4

[service]
dsn = postgresql://app:s3cr%%40t@10.0.{net}.{host}:5432/orders_{n}?sslmode=require&app=worker{n}
command = worker --queue "orders {n}" --concurrency {pool} --log-level info
pool = {pool}
"""

_CMD = string.Template(
    "$prog connecting to $host:$port/$db as $user (pool=$pool, timeout=${timeout}s)"
)


def setup():
    return {"n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    parser = configparser.ConfigParser()
    parser.read_string(_INI.format(net=n % 7, host=1 + n % 200, n=n, pool=2 + n % 6))
    section = parser["service"]
    argv = shlex.split(section["command"])
    parts = urllib.parse.urlsplit(section["dsn"])
    query = urllib.parse.parse_qs(parts.query)
    host = ipaddress.ip_address(parts.hostname)
    safe = parts._replace(
        netloc=f"{parts.username}@{parts.hostname}:{parts.port}",
        query=urllib.parse.urlencode(query, doseq=True),
    )
    line = _CMD.substitute(
        prog=argv[0],
        host=host,
        port=parts.port,
        db=parts.path.lstrip("/"),
        user=urllib.parse.unquote(parts.username),
        pool=section.getint("pool"),
        timeout=section.getint("timeout"),
    )
    return urllib.parse.urlunsplit(safe), host.is_private, shlex.join(argv), line
