"""A FastAPI service with a leaking route, a clean route and a bounded cache, wrapped by
leaksleuth's ASGI middleware (the capture path comes from LEAKSLEUTH_WEB_CAPTURE)."""

import functools
import os

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from leaksleuth.web import ASGIMiddleware
from tests.integration.webapps._options import OPTIONS

api = FastAPI()
_SEEN = []  # every request's payload, kept for ever: the leak


@api.get("/orders/{order_id}")
async def order(order_id: int):
    _SEEN.append({"id": order_id, "payload": "x" * 8192})  # LEAK-LINE
    return {"id": order_id, "kept": len(_SEEN)}


@api.get("/health")
async def health():
    parts = [str(i) for i in range(200)]
    return {"ok": True, "size": len(",".join(parts))}


@functools.lru_cache(maxsize=8)
def _rendered(key):
    return "r" * 4096 + str(key)


@api.get("/cached/{key}")
def cached(key: int):
    return {"size": len(_rendered(key % 8))}


@api.get("/stream")
async def stream():
    async def chunks():
        for i in range(5):
            yield f"chunk {i}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


@api.get("/boom")
async def boom():
    raise RuntimeError("handler failed")


app = ASGIMiddleware(api, capture=os.environ.get("LEAKSLEUTH_WEB_CAPTURE"), options=OPTIONS)
