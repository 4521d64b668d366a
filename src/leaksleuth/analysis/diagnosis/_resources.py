"""Files and sockets opened and never closed."""

from __future__ import annotations

from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, at

FILES_FIX = (
    "open files and sockets in a `with` block (with open(path) as f: ...), or close them "
    "in a finally; the gc closes an unreferenced one late or never when something keeps it"
)
_FILE_TYPES = (
    "_io.TextIOWrapper", "_io.BufferedReader", "_io.BufferedWriter", "_io.BufferedRandom",
    "_io.FileIO", "socket.socket", "ssl.SSLSocket",
)  # fmt: skip


def unclosed(ev: Evidence) -> Optional[Found]:
    if not ev.grows("fds"):
        return None
    kinds = [t for t in ev.types if t in _FILE_TYPES]
    site = ev.site_for(None)
    proof = "the process's open file descriptors grow"
    if kinds:
        proof += "; growing: " + ", ".join(kinds)
    return Found(
        summary="files or sockets are opened and never closed"
        + (f" (the top growing site is {at(site)})" if site else ""),
        evidence=proof,
        fix=FILES_FIX,
        where=site.where if site else "",
    )


RULES = (Rule("unclosed_files", unclosed),)
