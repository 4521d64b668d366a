"""An API wrapper around one long-lived ``httpx.Client`` appends every response to
``self.history`` "for debugging", as some requests-like clients do, and the list is
never trimmed. Each call's Response - with its Request, headers, body and decoded text -
stays reachable from the client (about 3.2 KB per call)."""

import itertools
import json

import httpx

LIBRARIES = ("httpx",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +51.55/+53.01/+53.00/+50.88, "
    "C heap +16.7/+7.4/+10.0/+7.1 B, RSS +3192/+3257/+3254/+3123 B"
)
HOLDER = ".history"
DIAGNOSIS = "kept_on_object"

_ids = itertools.count()


def _fake_api(request):
    item_id = int(request.url.path.rsplit("/", 1)[-1])
    body = {"id": item_id, "name": f"item {item_id}", "stock": item_id % 17}
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"x-req": "1"})


class InventoryClient:
    def __init__(self):
        self._http = httpx.Client(
            base_url="https://inventory.example.test", transport=httpx.MockTransport(_fake_api)
        )
        self.history = []

    def get_item(self, item_id):
        response = self._http.get(f"/items/{item_id}")  # SITE
        self.history.append(response)
        response.raise_for_status()
        return response.json()

    def close(self):
        self._http.close()


client = None


def setup():
    global client
    client = InventoryClient()


def step():
    return client.get_item(next(_ids))["stock"]


def teardown():
    global client
    if client is not None:
        client.close()
        client.history.clear()
        client = None
