"""System text stored as a message key plus parameters (ADR 0018).

The repeat notice moves from `Complaint.repeat_reason` (text written in whichever language the person
who logged the case used) to `repeat_notice` (a key and parameters). Timeline rows the system wrote
(the repeat flag, the over-limit line of an approval request, where the guest's link went) get the
same key in `data["text"]` and an empty note. Existing text is parsed against the message in every
language of the catalogue; what matches none is kept word for word under the "legacy" key.
"""

import re

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

REPEAT = "%(count)d cases of “%(category)s” in %(where)s within %(days)d days."
WHERE_ROOM = "room %(room)s"
OVER_CASE = "over the limit on one case (%(total)s of %(limit)s)"
OVER_DAY = "over today's limit (%(total)s of %(limit)s)"
EMAILED = "Emailed to %(email)s."
NO_EMAIL = "No email on file: show the QR code or print the link."
AREAS = {
    "room": "Guest room",
    "lobby": "Lobby",
    "front_desk": "Front desk",
    "restaurant": "Restaurant",
    "bar": "Bar",
    "spa": "Spa",
    "gym_pool": "Gym / pool",
    "car_park": "Car park",
    "meeting": "Meeting rooms",
    "lifts_corridors": "Lifts / corridors",
    "executive_lounge": "Executive lounge",
    "outside": "Outside the hotel / online",
}


def _translations(msgid: str) -> list[str]:
    texts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.append(translation.gettext(msgid))
    return list(dict.fromkeys(texts))


def _pattern(text: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)[sd]", text)
    regex = ""
    for index, part in enumerate(parts):
        regex += re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
    return re.compile(f"^{regex}$", re.S)


def _match(text: str, msgid: str) -> dict | None:
    for translated in _translations(msgid):
        found = _pattern(translated).match(text.strip())
        if found:
            return found.groupdict()
    return None


def _legacy(text: str) -> dict:
    return {"key": "complaints.legacy", "params": {"text": text}}


def _where(text: str) -> dict:
    room = _match(text, WHERE_ROOM)
    if room:
        return {"key": "complaints.where_room", "params": {"room": room["room"]}}
    for value, label in AREAS.items():
        if text in _translations(label):
            return {"key": f"complaints.area.{value}", "params": {}}
    return _legacy(text)


def repeat_message(text: str, category) -> dict:
    found = _match(text, REPEAT)
    if not found or not found["count"].isdigit() or not found["days"].isdigit():
        return _legacy(text)
    name = (
        {"en": category.name_en, "zh": category.name_zh}
        if category is not None
        else {"en": found["category"], "zh": ""}
    )
    return {
        "key": "complaints.repeat",
        "params": {
            "count": int(found["count"]),
            "category": name,
            "where": _where(found["where"]),
            "days": int(found["days"]),
        },
    }


def approval_message(text: str) -> dict:
    head, sep, why_text = text.rpartition(" · ")
    description, sep2, amount = head.rpartition(" · ")
    value, _space, currency = amount.partition(" ")
    why = None
    for key, msgid in (("complaints.over_case_limit", OVER_CASE), ("complaints.over_day_limit", OVER_DAY)):
        found = _match(why_text, msgid)
        if found:
            why = {"key": key, "params": found}
            break
    if not (sep and sep2 and currency and why):
        return _legacy(text)
    return {
        "key": "complaints.approval_line",
        "params": {"description": description, "value": value, "currency": currency, "why": why},
    }


def link_message(text: str) -> dict | None:
    found = _match(text, EMAILED)
    if found:
        return {"key": "complaints.link_emailed", "params": found}
    if _match(text, NO_EMAIL) is not None:
        return {"key": "complaints.link_no_email", "params": {}}
    return None


def forwards(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    for case in Complaint.objects.exclude(repeat_reason="").select_related("category").iterator():
        case.repeat_notice = repeat_message(case.repeat_reason, case.category)
        case.save(update_fields=["repeat_notice"])
    events = ComplaintEvent.objects.filter(
        kind__in=["repeat", "approval_asked", "guest_link", "verification"]
    ).exclude(note="")
    for event in events.select_related("complaint__category").iterator():
        if event.kind == "repeat":
            text = repeat_message(event.note, event.complaint.category)
        elif event.kind == "approval_asked":
            text = approval_message(event.note)
        else:
            text = link_message(event.note)
            if text is None:  # a note a person wrote: it stays as it is
                continue
        event.data = {**(event.data or {}), "text": text}
        event.note = ""
        event.save(update_fields=["data", "note"])


def backwards(apps, schema_editor):
    # The English rendering goes back into the text column; event notes stay empty (the key remains).
    from hotel_crm import system_text

    import complaints.system_text  # noqa: F401 (registers the keys)

    Complaint = apps.get_model("complaints", "Complaint")
    with translation.override("en"):
        for case in Complaint.objects.exclude(repeat_notice={}).iterator():
            case.repeat_reason = system_text.render(case.repeat_notice)[:300]
            case.save(update_fields=["repeat_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_shift_duty_log_handover"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="repeat_notice",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="complaint",
            name="repeat_reason",
        ),
    ]
