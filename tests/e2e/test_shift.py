"""End to end: the evening clerk logs and hands over; the night clerk acknowledges and reads the briefing."""

import datetime as dt
from pathlib import Path

import pytest

from complaints.demo import load_departments
from complaints.models import DutyLogEntry, Handover
from complaints.workflow import Verdict
from guests import services as guest_services
from tests import factories
from tests.complaints.shift_setup import past_case

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def shift(sha):
    load_departments(sha)
    evening = factories.front_desk_at(sha, username="evening", first_name="Li", last_name="Na")
    night = factories.front_desk_at(sha, username="night", first_name="Zhou", last_name="Ye")
    guest = factories.make_guest(
        "孙", "丽", salutation="ms", vip_level=1, preferences=[("pillow", "Buckwheat")]
    )
    past_case(sha, evening, guest, verdict=Verdict.VERY_SATISFIED, compensation="0", room_number="2206")
    today = sha.today()
    stay = guest_services.stay_create(
        prop=sha,
        guest=guest,
        room=factories.make_room(sha, "2305"),
        arrival=today,
        departure=today + dt.timedelta(days=2),
        actor=evening,
    )
    return {"evening": evening, "night": night, "guest": guest, "stay": stay}


def _origin(page) -> str:
    return "/".join(page.url.split("/")[:3])


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_evening_clerk_hands_over_and_the_night_clerk_acknowledges_and_reads_the_briefing(
    page_for, shift, language
):
    # --- the evening clerk, on a phone: lands on "my shift", writes to the log, hands over
    page = page_for("evening", factories.PASSWORD, width=390, language=language)
    assert page.url.endswith("/complaints/shift/")
    assert _fits(page), "horizontal scrolling on my shift at 390 px"
    # the log and the handover are reachable from the header
    assert page.locator("header a[href='/complaints/shift/log/']").count() == 1
    assert page.locator("header a[href='/complaints/shift/']").count() == 1
    page.goto(_origin(page) + "/complaints/shift/log/")
    page.select_option("#id_category", "room")
    page.fill("#id_room", "2305")
    page.fill("#id_text", "Promised 2305 a quiet room tomorrow; kettle replaced.")
    page.click("#new-entry button[type=submit]")
    page.wait_for_selector(".log-entry:has-text('kettle replaced')")
    assert _fits(page), "horizontal scrolling on the duty log at 390 px"
    page.click("main a[href='/complaints/shift/handover/']")
    page.fill("#id_notes", "Ms Sun arrives tonight: she was recovered last time.")
    page.select_option("#id_to_user", str(shift["night"].pk))
    assert _fits(page), "horizontal scrolling on the handover form at 390 px"
    page.click("#handover-form button[type=submit]")
    page.wait_for_selector("#acknowledgement .badge.overdue")
    handover = Handover.objects.get()
    assert handover.to_user == shift["night"]
    assert DutyLogEntry.objects.get().pk in handover.summary["entries"]

    # --- the night clerk: the handover waits as unread; acknowledges; reads the arrival briefing
    night = page_for("night", factories.PASSWORD, width=390, language=language)
    night.wait_for_selector("#unread-handovers")
    night.click("#unread-handovers a")
    night.wait_for_selector(".log-entry:has-text('kettle replaced')")
    briefing = night.locator(f".briefing[data-guest='{shift['guest'].pk}']").first
    assert briefing.locator(".flag-recovered").count() == 1
    night.click("#acknowledgement button[type=submit]")
    night.wait_for_selector("#acknowledgement .ack-done")
    assert _fits(night), "horizontal scrolling on the handover at 390 px"
    handover.refresh_from_db()
    assert handover.acknowledged_by == shift["night"]
    night.goto(_origin(night) + "/complaints/shift/")
    assert night.locator("#unread-handovers").count() == 0
    card = night.locator(f"#arrivals .briefing[data-guest='{shift['guest'].pk}']")
    card.wait_for()
    assert card.locator(".flag-recovered").count() == 1 and card.locator(".flag-vip").count() == 1
    text = card.inner_text()
    assert "2305" in text and ("孙" in text)
    if language == "zh-hans":
        assert "上次投诉已圆满解决" in text
        assert night.locator("h1").inner_text() == "我的班次"
    else:
        assert "Recovered last time" in text
    assert _fits(night), "horizontal scrolling on my shift at 390 px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    night.screenshot(path=str(SHOTS / f"my-shift-390-{language}.png"), full_page=True)
