"""logging: handlers added per call, loggers made per request."""

from __future__ import annotations

from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, at, path_text

HANDLER_FIX = (
    "add handlers once, where logging is configured (at start-up, not per call); guard with "
    "`if not logger.handlers:`, or remove and close each one you add "
    "(logger.removeHandler(h); h.close())"
)
LOGGER_FIX = (
    "use one logger per module (logging.getLogger(__name__)) and put the request's id in the "
    "record instead (extra={...} or a LoggerAdapter): logging keeps every named logger "
    "for the life of the process"
)


def handlers(ev: Evidence) -> Optional[Found]:
    holder = next(
        (h for h in ev.holders_where(".handlers") if h.object_type.endswith("Handler")), None
    )
    kind = (
        holder.object_type
        if holder
        else ev.growing_type("StreamHandler", "FileHandler", "Handler", "RotatingFileHandler")
    )
    if holder is None and (kind is None or not ev.sites_passing("logging/__init__.py")):
        return None
    site = ev.site_for(holder)
    proof = f"{kind} objects pile up"
    if holder is not None:
        proof += f", held by {path_text(holder)}"
    if ev.grows("fds"):
        proof += "; open file descriptors grow too"
    return Found(
        summary=f"a logging handler ({kind}) is added on every call and never removed "
        f"(allocated at {at(site)})",
        evidence=proof,
        fix=HANDLER_FIX,
        where=site.where if site else "",
        holder=holder,
    )


def loggers(ev: Evidence) -> Optional[Found]:
    holder = ev.holder_where(".loggerDict")
    if holder is None:
        return None
    site = next(iter(ev.sites_passing("logging/__init__.py")), None) or ev.site_for(holder)
    return Found(
        summary=f"{at(site)} makes a new named logger per call: logging's manager keeps every "
        "logger ever named",
        evidence=f"the leaked objects are held by {path_text(holder)}",
        fix=LOGGER_FIX,
        where=site.where if site else "",
        holder=holder,
    )


RULES = (Rule("logging_handler", handlers), Rule("logger_per_call", loggers))
