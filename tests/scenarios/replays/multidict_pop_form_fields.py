"""multidict 6.6.0 to 6.6.3 (after the hash-table rewrite) leaked memory whenever a
``MultiDict``/``CIMultiDict`` was emptied by removing its entries (``pop``, ``popall``,
``del``): a form handler that pops every field it expects leaks on every submission.
Fixed in 6.6.4. https://github.com/aio-libs/multidict/issues/1232"""

from multidict import MultiDict

LIBRARIES = ("multidict",)
LEAKY = "multidict==6.6.3"
FIXED = "multidict==6.6.4"
TRACKER = "https://github.com/aio-libs/multidict/issues/1232"
DIAGNOSIS_LEAKY = ("refcount_leak", "native_leak")
LIBRARY = "multidict"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +2.88/+3.00/+3.00/+2.88, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +554/+580/+577/+557 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return [
        [("name", "Ada"), ("email", "ada@example.test"), ("tag", "math"), ("tag", "engines")],
        [("name", "Grace"), ("email", "grace@example.test")],
        [("name", "Edsger"), ("email", "ewd@example.test"), ("tag", "goto")],
    ]


def parse_form(submitted):
    form = MultiDict(submitted)  # SITE
    record = {"name": form.pop("name"), "email": form.pop("email"), "tags": form.popall("tag", [])}
    if form:
        raise ValueError(f"unexpected fields: {sorted(form)}")
    return record


def step(batch):
    return [parse_form(submitted) for submitted in batch]
