"""A record importer warns about each legacy field it meets and puts the record's id in the
message, ``warnings.warn(f"record {n}: ...")``. Under the default filters the warning
machinery remembers every (message, category, line) it has shown in the calling module's
``__warningregistry__`` so as to show it only once; with a new message per record the
registry gains an entry per call and never shrinks (about 200 B per call)."""

import itertools
import warnings

LIBRARIES = ("warnings",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +27.8/+29.5/+59.0/+0.0 B, RSS +141/+161/+161/+154 B"
)
HOLDER = "__warningregistry__"
DIAGNOSIS = "warnings_registry"

_ids = itertools.count(1000)
_state = {}


def _quiet(message, category, filename, lineno, file=None, line=None):
    """The service keeps warnings off its stderr (its log shipper would flag them)."""


def setup():
    _state["showwarning"] = warnings.showwarning
    warnings.showwarning = _quiet


def import_record(record):
    if "legacy_ts" in record:
        rid = record["id"]
        warnings.warn(f"record {rid}: 'legacy_ts' is deprecated", stacklevel=2)  # SITE
        record["timestamp"] = record.pop("legacy_ts")
    return record


def step():
    n = next(_ids)
    return import_record({"id": n, "legacy_ts": 1_700_000_000 + n, "value": n % 13})


def teardown():
    if "showwarning" in _state:
        warnings.showwarning = _state.pop("showwarning")
    globals().pop("__warningregistry__", None)
