"""The benchmark harness's own logic: the query budget check and the concurrency chart (no server)."""

import json
import xml.etree.ElementTree as ET

import pytest

from complaints.devtools import bench_concurrency
from complaints.management.commands.bench_pages import Command


def _document(counts: dict[str, int]) -> dict:
    return {"pages": [{"page": p, "queries": n, "queries_typical": n} for p, n in counts.items()]}


@pytest.fixture
def budget(tmp_path, settings):
    settings.AUTH_CONTEXT_CACHE = True
    path = tmp_path / "budget.json"
    path.write_text(json.dumps({"shared_cache": {"H1 (floor)": 0, "case page": 9}}))
    return path


def test_the_budget_check_fails_when_a_page_runs_more_queries(budget):
    command = Command()
    # Equal or fewer: fine
    assert command.check_budget(_document({"H1 (floor)": 0, "case page": 8}), {"budget": budget}) == []
    # One more on the case page: caught, with the figures
    failures = command.check_budget(_document({"H1 (floor)": 0, "case page": 10}), {"budget": budget})
    assert failures == ["case page: 10 queries, budget 9"]
    # A page with no budget at all fails too (a new page must bring its budget)
    failures = command.check_budget(_document({"H1 (floor)": 0, "my shift": 5}), {"budget": budget})
    assert len(failures) == 1 and failures[0].startswith("my shift: no budget")


def test_write_budget_records_the_run(budget):
    Command().check_budget(_document({"H1 (floor)": 1}), {"budget": budget, "write_budget": True})
    assert json.loads(budget.read_text())["shared_cache"] == {"H1 (floor)": 1}


def test_the_budgets_without_the_shared_cache_are_kept_apart(budget, settings):
    settings.AUTH_CONTEXT_CACHE = False
    failures = Command().check_budget(_document({"H1 (floor)": 4}), {"budget": budget})
    assert failures and "no budget" in failures[0] and "database_sessions" in failures[0]


def test_the_concurrency_chart_is_an_svg_with_a_point_per_client_count():
    rows = [
        {"clients": c, "requests_per_s": 10.0 * c, "p50_ms": 20.0, "p95_ms": 40.0 + c, "p99_ms": 60.0 + c}
        for c in (1, 2, 4, 8, 16)
    ]
    svg = bench_concurrency.chart_svg(rows, title="test")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    lines = [el for el in root.iter() if el.tag.endswith("polyline")]
    assert len(lines) == 4  # throughput, p50, p95, p99
    assert all(len(line.get("points").split()) == 5 for line in lines)


def test_summary_counts_errors_and_percentiles():
    level = bench_concurrency.Level(clients=2, seconds=2.0)
    level.samples = [bench_concurrency.Sample("list", ms, True) for ms in (10.0, 20.0, 30.0, 40.0)]
    level.samples.append(bench_concurrency.Sample("act on it", 5.0, False, "HTTP 409 POST /x/"))
    row = bench_concurrency.summary(level)
    assert row["errors"] == 1 and row["first_errors"] == ["HTTP 409 POST /x/"]
    assert row["requests_per_s"] == 2.0 and row["p50_ms"] == 20.0 and row["p99_ms"] == 40.0
