"""A service client built on ``httpx.Client`` (created once, closed in teardown) talks to a
fake backend through ``httpx.MockTransport``: each step sends a JSON POST, reads the JSON
reply, and follows with a GET carrying query parameters. Responses are read and released;
no network: correct code."""

import json

import httpx

LIBRARIES = ("httpx",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.62/+0.00/+0.00/+0.00, C heap +5.6/+0.0/+0.0/+0.0 B, RSS +85/+0/+0/+0 B"
)

_client = None


def _backend(request: httpx.Request) -> httpx.Response:
    if request.method == "POST" and request.url.path == "/v1/orders":
        body = json.loads(request.content)
        return httpx.Response(201, json={"id": body["ref"], "status": "accepted"})
    if request.method == "GET" and request.url.path.startswith("/v1/orders/"):
        return httpx.Response(
            200,
            json={
                "id": request.url.path.rsplit("/", 1)[-1],
                "fields": request.url.params.get("fields"),
            },
        )
    return httpx.Response(404, json={"error": "not found"})


def setup():
    global _client
    _client = httpx.Client(
        base_url="https://orders.internal", transport=httpx.MockTransport(_backend), timeout=5.0
    )
    return {"i": 0}


def step(state):
    state["i"] += 1
    created = _client.post("/v1/orders", json={"ref": f"R{state['i']}", "qty": state["i"] % 9 + 1})
    created.raise_for_status()
    order_id = created.json()["id"]
    detail = _client.get(f"/v1/orders/{order_id}", params={"fields": "id,status"})
    detail.raise_for_status()
    return detail.json()["id"]


def teardown():
    global _client
    if _client is not None:
        _client.close()
        _client = None
