"""The benchmark's concurrency mode: many clerks at once against gunicorn (docs/performance.md).

Each client is its own signed-in staff member (its own session, cookies and CSRF token) and
runs a clerk's mix in a loop: search for a guest, open the case list, open one of its own
cases, act on it (take it over: a versioned, row-locked write) and come back to the list.
Clients start together and run for a fixed time; a sampler watches PostgreSQL for sessions
waiting on a lock. Pure standard library: threads and http.client (the clients wait on the
network, not on the GIL).
"""

import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

_VERSION = re.compile(rb'name="version" value="(\d+)"')


@dataclass
class Sample:
    step: str
    ms: float
    ok: bool
    detail: str = ""


@dataclass
class Level:
    clients: int
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    max_lock_wait_ms: float = 0.0

    @property
    def latencies(self) -> list[float]:
        return [s.ms for s in self.samples if s.ok]

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank, as the page benchmark reports it."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[index]


def clerk_mix(client, *, user_id: int, cases: list[int], searches: list[str], rng) -> list[Sample]:
    """One round of a clerk's work; returns its requests' samples."""
    samples: list[Sample] = []

    def step(name: str, method: str, path: str, form=None, expect=(200,)):
        response, content, elapsed = client.request(method, path, form)
        ok = response.status in expect
        detail = "" if ok else f"HTTP {response.status} {method} {path}"
        samples.append(Sample(name, elapsed * 1000, ok, detail))
        return content if ok else None

    step("search", "GET", "/guests/search/?q=" + urllib.parse.quote(rng.choice(searches)))
    step("list", "GET", "/complaints/?status=open")
    case = rng.choice(cases)
    page = step("open a case", "GET", f"/complaints/{case}/")
    found = _VERSION.search(page or b"")
    if found:
        step(
            "act on it",
            "POST",
            f"/complaints/{case}/assign/",
            {"version": found.group(1).decode(), "assignee": str(user_id)},
            expect=(302,),
        )
    step("list", "GET", "/complaints/?status=open")
    return samples


def run_level(
    *,
    clients: list,
    work: Callable[[int], list[Sample]],
    seconds: float,
    lock_wait_ms: Callable[[], float],
) -> Level:
    """Run `work(i)` in a loop on every client at once for `seconds`; sample lock waits meanwhile."""
    level = Level(clients=len(clients))
    lock = threading.Lock()
    stop = threading.Event()
    start = threading.Barrier(len(clients) + 1)

    def loop(index: int) -> None:
        start.wait()
        while not stop.is_set():
            done = work(index)
            with lock:
                level.samples.extend(done)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        level.max_lock_wait_ms = max(level.max_lock_wait_ms, lock_wait_ms())
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    level.seconds = round(time.monotonic() - began, 1)
    return level


def summary(level: Level) -> dict:
    latencies = level.latencies
    return {
        "clients": level.clients,
        "seconds": level.seconds,
        "requests": len(level.samples),
        "requests_per_s": round(len(latencies) / level.seconds, 1) if level.seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": len(level.errors),
        "first_errors": [s.detail for s in level.errors[:5]],
        "max_lock_wait_ms": round(level.max_lock_wait_ms, 1),
        "by_step": {
            name: {
                "requests": len(values),
                "p50_ms": round(percentile(values, 0.50), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
            }
            for name in sorted({s.step for s in level.samples})
            if (values := [s.ms for s in level.samples if s.ok and s.step == name])
        },
    }


def chart_svg(rows: list[dict], *, title: str) -> str:
    """A two-panel SVG: throughput and p50/p95/p99 against the number of clients."""
    width, height, pad = 760, 320, 56
    panel = (width - 3 * pad) / 2
    xs = [r["clients"] for r in rows]

    def scale_x(value: float, left: float) -> float:
        return left + (xs.index(value) / max(1, len(xs) - 1)) * panel

    def scale_y(value: float, top: float) -> float:
        return height - pad - (value / top) * (height - 2 * pad)

    def axis(left: float, top: float, label: str) -> list[str]:
        parts = [
            f'<line x1="{left}" y1="{height - pad}" x2="{left + panel}" y2="{height - pad}" stroke="#444"/>',
            f'<line x1="{left}" y1="{pad}" x2="{left}" y2="{height - pad}" stroke="#444"/>',
            f'<text x="{left + panel / 2}" y="{height - 14}" text-anchor="middle">clients</text>',
            f'<text x="{left}" y="{pad - 12}" text-anchor="start">{label}</text>',
        ]
        for x in xs:
            px = scale_x(x, left)
            parts.append(f'<text x="{px:.1f}" y="{height - pad + 16}" text-anchor="middle">{x}</text>')
        for i in range(5):
            value = top * i / 4
            py = scale_y(value, top)
            parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{left + panel}" y2="{py:.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{left - 6}" y="{py + 4:.1f}" text-anchor="end">{value:.0f}</text>')
        return parts

    def line(key: str, left: float, top: float, colour: str) -> str:
        points = " ".join(f"{scale_x(r['clients'], left):.1f},{scale_y(r[key], top):.1f}" for r in rows)
        dots = "".join(
            f'<circle cx="{scale_x(r["clients"], left):.1f}" cy="{scale_y(r[key], top):.1f}" '
            f'r="3" fill="{colour}"/>'
            for r in rows
        )
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>{dots}'

    top_rps = max([r["requests_per_s"] for r in rows] + [1]) * 1.15
    top_ms = max([r["p99_ms"] for r in rows] + [1]) * 1.15
    left1, left2 = pad, 2 * pad + panel
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13">{title}</text>',
        *axis(left1, top_rps, "requests/s (all steps)"),
        line("requests_per_s", left1, top_rps, "#1f6feb"),
        *axis(left2, top_ms, "latency, ms"),
        line("p50_ms", left2, top_ms, "#2da44e"),
        line("p95_ms", left2, top_ms, "#bf8700"),
        line("p99_ms", left2, top_ms, "#cf222e"),
    ]
    for i, (name, colour) in enumerate((("p50", "#2da44e"), ("p95", "#bf8700"), ("p99", "#cf222e"))):
        x = left2 + 10 + i * 52
        parts.append(f'<rect x="{x}" y="{pad + 4}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{pad + 13}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
