"""Short, safe, redacted descriptions of arbitrary objects.

Reports travel (tickets, chat, CI logs), and leaked objects are often requests, sessions
and configs. So a description never calls a user-defined ``__repr__`` (it could be slow,
raise, or print a password), is built from builtin types only, is cut to a fixed size,
and by default masks what looks like a secret: values under keys such as ``password`` or
``api_key``, bearer tokens, JWTs, cloud keys, credentials in URLs and long random-looking
strings.
"""

from __future__ import annotations

import re
from typing import Any, List

LIMIT = 120
_ITEMS = 4
_DEPTH = 2

_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[-_]?key|auth|credential|private[-_]?key"
    r"|session|cookie|signature|bearer|access[-_]?key",
    re.IGNORECASE,
)
_SECRET_TEXT = [
    re.compile(r"eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]{6,}"),  # JWT
    re.compile(r"(?i)bearer\s+[\w.~+/=-]{8,}"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\b(sk|pk|rk)[-_][\w-]{16,}"),  # API keys of the sk-... kind
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens
    re.compile(r"\bxox[abprs]-[\w-]{10,}"),  # Slack tokens
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    # A long run of letters and digits with both in it: a key, a hash, a session id.
    re.compile(r"\b(?=[\w+/=-]*\d)(?=[\w+/=-]*[A-Za-z])[\w+/=-]{32,}"),
]
_URL_CREDENTIALS = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")
_KEY_VALUE = re.compile(
    r"((?:" + _SECRET_KEY.pattern + r")\w*\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&]+)",
    re.IGNORECASE,
)
MASK = "<redacted>"


def redact_text(text: str) -> str:
    """``text`` with whatever looks like a secret replaced by ``<redacted>``."""
    text = _URL_CREDENTIALS.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    for pattern in _SECRET_TEXT:
        text = pattern.sub(MASK, text)
    return _KEY_VALUE.sub(lambda m: m.group(1) + MASK, text)


def secret_key(key: Any) -> bool:
    return isinstance(key, str) and _SECRET_KEY.search(key) is not None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _qualname(obj: Any) -> str:
    t = type(obj)
    module = getattr(t, "__module__", "") or ""
    name = getattr(t, "__qualname__", t.__name__)
    return name if module == "builtins" else f"{module}.{name}"


def safe_repr(obj: Any, redact: bool = True, limit: int = LIMIT) -> str:
    """A description of ``obj`` of at most ``limit`` characters. Never raises."""
    try:
        return _cut(_describe(obj, redact, _DEPTH, limit), limit)
    except Exception:
        return f"<{_qualname(obj)} object>"


def _describe(obj: Any, redact: bool, depth: int, limit: int) -> str:
    t = type(obj)
    if obj is None or t is bool or t is float:
        return repr(obj)
    if t is int:
        return repr(obj) if obj.bit_length() <= 128 else f"<int of {obj.bit_length()} bits>"
    if t is str:
        text = obj[: limit * 2]
        if redact:
            text = redact_text(text)
        more = f" ({len(obj):,} chars)" if len(obj) > limit else ""
        return _cut(repr(text), limit - len(more)) + more
    if t in (bytes, bytearray):
        head = bytes(obj[:16])
        if redact:
            head = redact_text(head.decode("latin-1")).encode("latin-1")
        more = "..." if len(obj) > 16 else ""
        return f"<{t.__name__} of {len(obj):,} bytes: {head!r}{more}>"
    if t in (list, tuple, set, frozenset, dict):
        return _container(obj, redact, depth, limit)
    if t.__module__ == "numpy" and hasattr(obj, "shape") and hasattr(obj, "nbytes"):
        return f"<{t.__name__} shape={tuple(obj.shape)} dtype={obj.dtype} {obj.nbytes:,} bytes>"
    return _instance(obj, redact, depth, limit)


def _container(obj: Any, redact: bool, depth: int, limit: int) -> str:
    t = type(obj)
    n = len(obj)
    if depth <= 0:
        return f"<{t.__name__} of {n:,} items>"
    parts: List[str] = []
    if t is dict:
        for i, (k, v) in enumerate(obj.items()):
            if i == _ITEMS:
                break
            key = _describe(k, redact, 0, 40)
            value = MASK if redact and secret_key(k) else _describe(v, redact, depth - 1, 40)
            parts.append(f"{key}: {value}")
    else:
        for i, v in enumerate(obj):
            if i == _ITEMS:
                break
            parts.append(_describe(v, redact, depth - 1, 40))
    more = f", ... ({n:,} items)" if n > _ITEMS else ""
    body = ", ".join(parts) + more
    if t is dict:
        return "{" + body + "}"
    if t is list:
        return "[" + body + "]"
    if t is tuple:
        return "(" + body + ("," if n == 1 else "") + ")"
    return f"{t.__name__}({{{body}}})"


def _instance(obj: Any, redact: bool, depth: int, limit: int) -> str:
    """``<module.Class a=1 b='x'>`` from the instance's own attributes, never its repr."""
    name = _qualname(obj)
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except Exception:
        attrs = None
    if not isinstance(attrs, dict) or depth <= 0 or not attrs:
        return f"<{name} object>"
    parts = []
    for i, (k, v) in enumerate(attrs.items()):
        if i == _ITEMS:
            parts.append("...")
            break
        value = MASK if redact and secret_key(k) else _describe(v, redact, depth - 1, 40)
        parts.append(f"{k}={value}")
    return _cut(f"<{name} " + " ".join(parts), limit - 1) + ">"
