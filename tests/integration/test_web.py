"""leaksleuth.web on real servers: Flask under gunicorn (sync and gthread workers, two of
them) and FastAPI under uvicorn, on 127.0.0.1, loaded by httpx. Each app has a leaking
route, a clean route, a bounded cache, a streaming route and a route that raises; the
workers' captures are merged by ``leaksleuth report``."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APPS = os.path.join(ROOT, "tests", "integration", "webapps")
BIN = os.path.dirname(sys.executable)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _line(app_file: str, marker: str) -> int:
    with open(os.path.join(APPS, app_file), encoding="utf-8") as f:
        return next(n for n, line in enumerate(f, 1) if marker in line)


class Server:
    def __init__(
        self, argv: List[str], port: int, tmp: str, env: Optional[Dict[str, str]] = None
    ) -> None:
        env = dict(os.environ, **(env or {}))
        env["LEAKSLEUTH_WEB_CAPTURE"] = os.path.join(tmp, "cap.{pid}.db")
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.log = open(os.path.join(tmp, "server.log"), "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        self.url = f"http://127.0.0.1:{port}"
        self.tmp = tmp
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/health", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start: " + self.output())

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-3000:]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def captures(self) -> List[str]:
        return sorted(
            os.path.join(self.tmp, f)
            for f in os.listdir(self.tmp)
            if f.startswith("cap.") and f.endswith(".db")
        )


def _load(
    url: str, requests: int, threads: int, paths: Optional[List[str]] = None
) -> Dict[str, int]:
    """Requests in random order over the leaking, clean and cached routes, then the
    streaming one and the one that raises; the status codes seen per route."""
    routes = ["/orders/{}", "/health", "/cached/{}"]
    rng = random.Random(7)
    order = [rng.choice(routes).format(i) for i in range(requests)]
    if paths is not None:
        paths.extend(order)
    seen: Dict[str, int] = {}

    def get(path: str) -> int:
        with httpx.Client(base_url=url, timeout=30) as client:
            return client.get(path).status_code

    def batch(paths: List[str]) -> List[int]:
        with httpx.Client(base_url=url, timeout=30) as client:
            return [client.get(p).status_code for p in paths]

    chunks = [order[k::threads] for k in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        for codes in pool.map(batch, chunks):
            for code in codes:
                seen[str(code)] = seen.get(str(code), 0) + 1
    assert get("/stream") == 200
    assert get("/boom") == 500
    return seen


def _report(captures: List[str]) -> Dict[str, Any]:
    out = subprocess.run(
        [os.path.join(BIN, "leaksleuth"), "report", *captures, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.stdout, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _routes(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {r["route"]: r for r in report["routes"]}


def _assert_leak_at_its_line(
    report: Dict[str, Any], app_file: str, leak: str, clean: str, cached: str, requests: int
) -> None:
    routes = _routes(report)
    assert report["verdict"]["status"] == "leak", report["verdict"]["reason"]
    leaking = routes[leak]
    assert leaking["verdict"]["status"] == "leak", (
        leaking["attribution"],
        leaking["verdict"]["reason"],
        leaking["suspects"][:3],
    )
    line = _line(app_file, "LEAK-LINE")
    assert any(s["file"].endswith(app_file) and s["line"] == line for s in leaking["suspects"]), (
        leaking["suspects"]
    )
    # 8 KiB of payload per request of the route, and a dict around it.
    assert 6_000 < leaking["verdict"]["bytes_per_iteration"] < 20_000, leaking["verdict"]
    assert any("_SEEN" in " ".join(h["path"]) for h in leaking["holders"]), leaking["holders"]
    for name in (clean, cached):
        assert routes[name]["verdict"]["status"] != "leak", routes[name]
        assert not routes[name]["suspects"], routes[name]
    counted = sum(r["requests"] for r in report["routes"])
    assert counted == requests + 1 + 1 + 1  # the load, the first /health, /stream, /boom
    assert routes["/boom"]["errors"] == 1
    assert routes["/stream"]["requests"] == 1


@pytest.fixture
def tmp(tmp_path: Any) -> Iterator[str]:
    yield str(tmp_path)


@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_flask_under_gunicorn_names_the_leaking_route_and_its_line(tmp: str, worker: str) -> None:
    port = _free_port()
    argv = [os.path.join(BIN, "gunicorn"), "-w", "2", "-k", worker, "-b", f"127.0.0.1:{port}"]
    if worker == "gthread":
        argv += ["--threads", "4"]
    server = Server([*argv, "tests.integration.webapps.flask_app:app"], port, tmp)
    try:
        requests = 3000
        codes = _load(server.url, requests, threads=4)
        assert codes == {"200": requests}
    finally:
        server.stop()
    captures = server.captures()
    assert len(captures) == 2, server.output()
    report = _report(captures)
    _assert_leak_at_its_line(
        report,
        "flask_app.py",
        "/orders/<int:order_id>",
        "/health",
        "/cached/<int:key>",
        requests,
    )
    assert len(report["meta"]["processes"]) == 2


def test_fastapi_under_uvicorn_names_the_leaking_route_and_its_line(tmp: str) -> None:
    port = _free_port()
    argv = [os.path.join(BIN, "uvicorn"), "--host", "127.0.0.1", "--port", str(port)]
    server = Server([*argv, "tests.integration.webapps.fastapi_app:app"], port, tmp)
    try:
        # One worker serves them all; its interim looks (each a few hundred ms on this
        # heap) need a few seconds of load to call the leak and trace a burst after.
        requests = 4000
        codes = _load(server.url, requests, threads=4)
        assert codes == {"200": requests}
    finally:
        server.stop(signal.SIGINT)
    captures = server.captures()
    assert len(captures) == 1, server.output()
    report = _report(captures)
    _assert_leak_at_its_line(
        report, "fastapi_app.py", "/orders/{order_id}", "/health", "/cached/{key}", requests
    )


def test_a_server_killed_with_sigkill_leaves_readable_captures(tmp: str) -> None:
    port = _free_port()
    argv = [os.path.join(BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    server = Server([*argv, "tests.integration.webapps.flask_app:app"], port, tmp)
    try:
        _load(server.url, 400, threads=2)
        time.sleep(1.5)  # the workers' flush threads write every second
        for pid in _worker_pids(server.proc.pid):
            os.kill(pid, signal.SIGKILL)
    finally:
        server.stop(signal.SIGKILL)
    captures = server.captures()
    assert len(captures) == 2
    report = _report(captures)
    routes = _routes(report)
    assert sum(r["requests"] for r in routes.values()) >= 300
    assert "/orders/<int:order_id>" in routes
    assert any("killed" in n or "last flush" in n for n in report["notes"]), report["notes"]


def _worker_pids(master: int) -> List[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return [int(p) for p in out.stdout.split()]


def test_gunicorn_workers_export_prometheus_metrics_in_multiprocess_mode(tmp: str) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    prom = os.path.join(tmp, "prom")
    os.mkdir(prom)
    port = _free_port()
    argv = [os.path.join(BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    env = {"PROMETHEUS_MULTIPROC_DIR": prom}
    server = Server([*argv, "tests.integration.webapps.flask_app:app"], port, tmp, env)
    sent: List[str] = []
    samples: List[Any] = []

    def values(name: str, **labels: str) -> List[float]:
        return [
            s.value
            for s in samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    # The verdict gauges show each worker's last interim look, and looks come at growing
    # intervals of requests (within their time budget): an early look may not have seen
    # enough to say leak yet. So the load goes on, in rounds, until a look has.
    try:
        for _ in range(4):
            _load(server.url, 1500, threads=4, paths=sent)
            time.sleep(3)  # the metrics threads update every second
            text = httpx.get(server.url + "/metrics", timeout=30).text
            families = text_string_to_metric_families(text)
            samples = [s for family in families for s in family.samples]
            if 1.0 in values("leaksleuth_verdict", unit="/orders/<int:order_id>", status="leak"):
                break
    finally:
        server.stop()

    orders = sum(1 for p in sent if p.startswith("/orders/"))
    assert values("leaksleuth_requests_total", route="/orders/<int:order_id>") == [orders]
    pids = {s.labels["pid"] for s in samples if s.name == "leaksleuth_memory_bytes"}
    assert len(pids) == 2  # one gauge per worker
    assert all(v > 1e6 for v in values("leaksleuth_memory_bytes", kind="rss"))
    leak = values("leaksleuth_verdict", unit="/orders/<int:order_id>", status="leak")
    assert 1.0 in leak, [s for s in samples if s.name == "leaksleuth_verdict"]
    assert 1.0 not in values("leaksleuth_verdict", unit="/health", status="leak")
    assert values("leaksleuth_growth_bytes_per_iteration", unit="process", bound="estimate")
