"""A deployment controller reads each service's YAML manifest with ``yaml.safe_load``,
validates it into pydantic models (nested, with defaults and constraints), applies an
override and writes the normalized manifest back with ``yaml.safe_dump``. Manifests differ
per service; nothing is kept: correct code."""

import random

import yaml
from pydantic import BaseModel, Field

LIBRARIES = ("yaml", "pydantic")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class Resources(BaseModel):
    cpu: float = Field(gt=0, le=64)
    memory_mb: int = Field(gt=0)


class Port(BaseModel):
    name: str
    port: int = Field(ge=1, le=65535)
    protocol: str = "TCP"


class Service(BaseModel):
    name: str
    image: str
    replicas: int = Field(default=1, ge=0, le=100)
    env: dict[str, str] = {}
    ports: list[Port] = []
    resources: Resources


def _manifest(rng, k):
    return yaml.safe_dump(
        {
            "name": f"svc-{k}",
            "image": f"registry.local/svc-{k}:{rng.randint(1, 40)}.{rng.randint(0, 9)}",
            "replicas": rng.randint(1, 6),
            "env": {f"VAR_{j}": str(rng.randint(0, 999)) for j in range(rng.randint(1, 5))},
            "ports": [{"name": "http", "port": 8000 + rng.randint(0, 99)}],
            "resources": {
                "cpu": rng.choice([0.25, 0.5, 1, 2]),
                "memory_mb": rng.choice([128, 256, 512]),
            },
        }
    )


def setup():
    rng = random.Random(107)
    return {"manifests": [_manifest(rng, k) for k in range(80)], "i": 0}


def step(state):
    state["i"] += 1
    raw = state["manifests"][state["i"] % len(state["manifests"])]
    service = Service.model_validate(yaml.safe_load(raw))
    scaled = service.model_copy(update={"replicas": min(service.replicas * 2, 100)})
    return yaml.safe_dump(scaled.model_dump(), sort_keys=True)
