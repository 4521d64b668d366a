"""pydantic 2.5.2 (pydantic-core 2.14.5) leaked every ``TypeAdapter`` built for a type that
contains a self-referencing model: the Rust validator's shared recursive definitions
formed a reference cycle of ``Arc``s, invisible to Python's gc, so an adapter built per
call (as request handlers often do) never freed its native memory. Fixed in 2.5.3 with
pydantic-core 2.14.6 (pydantic/pydantic-core#1125). https://github.com/pydantic/pydantic/issues/8397"""

from __future__ import annotations

from pydantic import BaseModel, TypeAdapter

LIBRARIES = ("pydantic",)
LEAKY = "pydantic==2.5.2"
FIXED = "pydantic==2.5.3"
TRACKER = "https://github.com/pydantic/pydantic/issues/8397"
DIAGNOSIS_LEAKY = "native_leak"
LIBRARY = ("pydantic", "pydantic_core")
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +10168.3/+10592.0/+10592.0/+10168.3 B, "
    "RSS +10204/+10587/+10594/+10168 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.1/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class Owner(BaseModel):
    login: str


class Comment(BaseModel):
    text: str
    owner: Owner
    replies: list[Comment]


def setup():
    return [
        {"text": "first", "owner": {"login": "ada"}, "replies": []},
        {
            "text": "second",
            "owner": {"login": "grace"},
            "replies": [
                {"text": "reply", "owner": {"login": "ada"}, "replies": []},
            ],
        },
    ]


def step(payload):
    comments = TypeAdapter(list[Comment]).validate_python(payload)  # SITE
    return sum(len(c.replies) for c in comments)
