"""The hot pages render byte for byte the HTML stored under tests/snapshots/ (issue #22, ADR 0022).

A guard for rendering optimisations: the case page (its timeline, offers, actions and step forms),
the case list (25 rows by default and a closed case's row), guest search results, the guest profile
and its cases panel are rendered for a fixed data set at a frozen clock, normalised (CSRF tokens
masked) and compared with the stored files. The test FAILS whenever a page's output changes in any
way: a changed word, attribute, space or line break.

If the change is deliberate (a template was meant to change), regenerate the snapshots and review
the diff before committing it:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -n 0 tests/test_html_snapshots.py

Primary keys show in links and select options, so each test first sets every table's id sequence
to follow the rows already there (the migrations' rows): the same ids on SQLite and PostgreSQL,
whatever ran before in the same database.
"""

import datetime as dt
import os
import re
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

from complaints.demo import load_departments
from complaints.models import Complaint, Department
from guests import services as guest_services
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
# 11 March 2026, 09:00 in Shanghai: every time on the pages follows from this clock.
START = dt.datetime(2026, 3, 11, 1, 0, tzinfo=dt.UTC)

_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


class _Clock:
    """timezone.now() for the test: a fixed start, moved on explicitly between steps."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def _reset_id_sequences() -> None:
    """Make every table's next id follow its current rows, so the ids below are the same on each run."""
    numbered = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and isinstance(m._meta.pk, models.AutoField)
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            for statement in connection.ops.sequence_reset_sql(no_style(), numbered):
                cursor.execute(statement)
            return
        # SQLite numbers AUTOINCREMENT tables from sqlite_sequence (a table never written has no row).
        for m in numbered:
            table, column = m._meta.db_table, m._meta.pk.column
            cursor.execute(
                f'UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX("{column}"), 0) FROM "{table}") '
                "WHERE name = %s",
                [table],
            )


def _normalised(html: str) -> str:
    return _CSRF.sub(r"\1(csrf)\2", html)


def _assert_snapshot(name: str, response, directory: Path = SNAPSHOTS, *, per_database: bool = False) -> None:
    assert response.status_code == 200, response.status_code
    if per_database:
        name = f"{name}.{connection.vendor}"
    html = _normalised(response.content.decode())
    path = directory / f"{name}.html"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"No snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 to write it, then review it.")
        path.write_text(html, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert html == expected, (
        f"{name}: the page's HTML changed (tests/snapshots/{path.name}). If that is intended, "
        "regenerate with UPDATE_SNAPSHOTS=1 and review the diff."
    )


@pytest.fixture
def world(monkeypatch, sha, login):
    """A hotel with a VIP guest, her stays and three cases in different steps, at a frozen clock."""
    clock = _Clock(START)
    monkeypatch.setattr(timezone, "now", clock)
    _reset_id_sequences()
    load_departments(sha)
    depts = {d.code: d for d in Department.objects.for_property(sha)}
    clerk = factories.make_staff("clerk", first_name="Li", last_name="Na", roles_at={sha: roles.FRONT_DESK})
    manager = factories.make_staff(
        "manager", first_name="Chen", last_name="Jing", roles_at={sha: roles.GUEST_RELATIONS_MANAGER}
    )
    guest = factories.make_guest(
        "王",
        "芳",
        family_name_latin="Wang",
        given_name_latin="Fang",
        salutation="ms",
        vip_level=2,
        email="wang.fang@example.com",
        company="Acme & Sons <Shanghai>",
        nationality="CN",
        preferred_language="zh-hans",
        phones=["+8613800138000"],
        preferences=[("pillow", "Feather"), ("newspaper", "China Daily")],
        notes="Prefers a quiet room.\nAllergic to nuts.",
        actor=clerk,
    )
    walk_in_guest = factories.make_guest(family_name_latin="Smith", given_name_latin="John", actor=clerk)
    room_type = factories.make_room_type(sha, "DK", name_en="Deluxe King")
    rooms = {n: factories.make_room(sha, n, room_type=room_type) for n in ("1201", "2606", "3108")}
    clock.now = START - dt.timedelta(days=40)  # an earlier stay, checked out three days later
    earlier = guest_services.stay_create(
        prop=sha,
        guest=guest,
        room=rooms["1201"],
        arrival=sha.today(),
        departure=sha.today() + dt.timedelta(days=3),
        actor=clerk,
        confirmation_number="CF-1001",
        check_in=True,
    )
    clock.advance(days=3)
    guest_services.stay_check_out(stay=earlier, actor=clerk)
    clock.now = START
    today = sha.today()
    stay = guest_services.stay_create(
        prop=sha,
        guest=guest,
        room=rooms["2606"],
        arrival=today,
        departure=today + dt.timedelta(days=1),
        actor=clerk,
        confirmation_number="CF-2002",
        check_in=True,
    )
    guest_services.stay_create(
        prop=sha,
        guest=walk_in_guest,
        room=rooms["3108"],
        arrival=today + dt.timedelta(days=3),
        departure=today + dt.timedelta(days=5),
        actor=clerk,
        confirmation_number="CF-3003",
    )
    clock.advance(days=1)  # the guest departs today

    client = login(manager)

    def log(**fields):
        clock.advance(minutes=7)
        data = {
            "guest_words": "The shower is cold & the drain <smells>.",
            "department": depts["engineering"].pk,
            "severity": "medium",
            "area": "room",
            "channel": "in_person",
            "submission_key": f"snapshot{clock.now:%H%M%S}",
            **fields,
        }
        url = f"/complaints/new/?stay={fields['stay']}" if "stay" in fields else "/complaints/new/"
        response = client.post(url, data)
        assert response.status_code == 302, re.findall(r"<li>([^<]+)</li>", response.content.decode())[-3:]
        return Complaint.objects.latest("pk")

    def act(case, verb, **data):
        clock.advance(minutes=11)
        case.refresh_from_db()
        response = client.post(f"/complaints/{case.pk}/{verb}/", {"version": case.version, **data})
        assert response.status_code == 302, re.findall(r"<li>([^<]+)</li>", response.content.decode())[-3:]

    # A case that came to its end: verified, the guest very satisfied.
    closed = log(stay=stay.pk, restated_confirmed="on", severity="low", guest_words="Slow check-in.")
    act(closed, "apologise", method="in_person", note="Said sorry at the desk.")
    act(closed, "make_offer", remedy_type="amenity", description="Fruit basket", value="80")
    act(closed, "answer_offer", offer=closed.offers.latest("pk").pk, answer="accept", response="Thanks")
    act(closed, "request_verification")
    act(closed, "verify", verdict="very_satisfied", note="Happy now.")
    # The case page's case: a declined offer, an accepted one, an action done and one open, notes.
    case = log(
        stay=stay.pk,
        severity="high",
        category=depts["engineering"].categories.order_by("pk").values_list("pk", flat=True).first(),
        people_involved="Night engineer",
    )
    act(case, "confirm_restatement", confirmed="on", note="Restated: no hot water since 7 am.")
    act(case, "apologise", method="phone")
    act(case, "make_offer", remedy_type="amenity", description="Late check-out", value="0")
    act(case, "answer_offer", offer=case.offers.latest("pk").pk, answer="decline", response="Not enough")
    act(case, "make_offer", remedy_type="amenity", description="Room upgrade", value="300")
    act(case, "answer_offer", offer=case.offers.latest("pk").pk, answer="accept", response="OK")
    due = timezone.localtime(clock.now, sha.tzinfo) + dt.timedelta(hours=3)
    act(
        case,
        "add_action",
        description="Fix the boiler",
        department=depts["engineering"].pk,
        due_at=f"{due:%Y-%m-%dT%H:%M}",
    )
    act(case, "add_action", description="Send a card", department="", due_at=f"{due:%Y-%m-%dT%H:%M}")
    act(case, "complete_action", action=case.actions.order_by("pk").last().pk, note="Left it in the room")
    clock.advance(minutes=5)
    client.post(f"/complaints/{case.pk}/note/", {"note": "Guest asked for <b>extra</b> towels.\nSent."})
    # A walk-in's case, still at the first step.
    walk_in = log(complainant_name="Mr Walk-in", severity="critical", area="lobby", channel="phone")
    clock.advance(hours=5)  # the open action is now overdue, the walk-in's first step too
    client.force_login(manager)  # a fresh session: the old one timed out in those hours
    return {"client": client, "case": case, "closed": closed, "walk_in": walk_in, "guest": guest}


def test_the_case_page_renders_the_stored_html(world):
    _assert_snapshot("case_page", world["client"].get(f"/complaints/{world['case'].pk}/"))


def test_a_closed_case_page_renders_the_stored_html(world):
    _assert_snapshot("case_page_closed", world["client"].get(f"/complaints/{world['closed'].pk}/"))


def test_the_open_cases_list_renders_the_stored_html(world):
    _assert_snapshot("case_list_open", world["client"].get("/complaints/?status=open"))


def test_the_list_of_every_case_renders_the_stored_html(world):
    _assert_snapshot("case_list_all", world["client"].get("/complaints/?status=all&per_page=100"))


def test_guest_search_results_render_the_stored_html(world):
    _assert_snapshot("guest_search", world["client"].get("/guests/search/?q=wang"))


def test_the_guest_profile_renders_the_stored_html(world):
    _assert_snapshot("guest_profile", world["client"].get(f"/guests/{world['guest'].pk}/"))


def test_the_guest_profiles_cases_panel_renders_the_stored_html(world):
    # A sum of money reads 380 on SQLite and 380.00 on PostgreSQL (the database's decimal sum): one
    # snapshot per database.
    _assert_snapshot(
        "guest_cases_panel",
        world["client"].get(f"/complaints/panels/guest/{world['guest'].pk}/"),
        per_database=True,
    )


def test_a_page_differing_by_one_character_fails_the_comparison(world, tmp_path, monkeypatch):
    # Given a stored snapshot that differs from the page by one trailing space
    monkeypatch.setattr(sys.modules[__name__], "UPDATE", False)  # even when regenerating the others
    response = world["client"].get("/complaints/?status=open")
    (tmp_path / "probe.html").write_text(_normalised(response.content.decode()) + " ", encoding="utf-8")
    # When the page is compared with it, then the comparison fails
    with pytest.raises(AssertionError, match="the page's HTML changed"):
        _assert_snapshot("probe", response, directory=tmp_path)
