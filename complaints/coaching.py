"""Short coaching from the hotel trainers (domain.md §2), shown beside each step. Translatable."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from complaints.models import ComplaintKind, GuestType, Mood
from complaints.workflow import Status

STEP: dict[str, Promise] = {
    Status.LISTENING: _(
        "Let the guest speak; do not interrupt or jump to conclusions. Note the three keys — time, place, "
        "people. Listen to the feeling, not only the facts. Then restate the problem in your own words and "
        "ask the guest to confirm you understood."
    ),
    Status.APOLOGISING: _(
        "Apologise sincerely and show that you understand how the guest feels. An apology is not an "
        "admission of fault; it builds rapport. Use the guest's name."
    ),
    Status.RESOLVING: _(
        "Offer a solution, and keep offering until the guest accepts one. Weigh the interests of both guest "
        "and hotel; be factual and fair. If the remedy is beyond your authority, ask upward for it — "
        "do not wait."
    ),
    Status.FOLLOWING_UP: _(
        "Make sure what was promised really happens: give each action an owner and a due time, and check "
        "it yourself. Ask other departments for help — coordination is part of your authority."
    ),
    Status.VERIFYING: _(
        "Go back to the guest and ask whether they are now satisfied. “OK” usually hides a flaw: the target "
        "is “very satisfied”. If they are not, go back to resolving."
    ),
    Status.CLOSED: _(
        "Thank the guest and invite them back. A small surprise (a fruit basket, a handwritten card) turns a "
        "recovered guest into a loyal one. If this problem has happened before, make sure it cannot "
        "happen again."
    ),
    Status.WITHDRAWN: _("The case was withdrawn. A manager can reopen it if needed."),
}

MOOD: dict[str, Promise] = {
    Mood.IMPATIENT: _("Impatient guest: be brief and quick; tell them what happens next and when."),
    Mood.ANGRY: _(
        "Angry guest: stay calm, do not argue or take it personally; let them finish, then restate."
    ),
    Mood.TIRED: _("Tired guest: offer a seat and a drink; keep it short and take the work off their hands."),
    Mood.HAPPY: _("Relaxed guest: a good moment to ask what would make the stay perfect."),
    Mood.TIMID: _("Hesitant guest: ask gentle open questions; they may not say everything at once."),
}

GUEST_TYPE: dict[str, Promise] = {
    GuestType.DEMANDING: _("Information-seeking guest: give enough facts — what, when, who."),
    GuestType.CONFUSED: _("Confused guest: explain professionally and briefly; check they understood."),
    GuestType.AGITATED: _("Agitated guest: win them over with patience; acknowledge the feeling first."),
}

KIND: dict[str, Promise] = {
    ComplaintKind.SINCERE: _("Sincere complaint: fix the fault and say so plainly."),
    ComplaintKind.EMOTIONAL: _("Emotional complaint: the feeling is the problem — empathy before solutions."),
    ComplaintKind.OPPORTUNISTIC: _(
        "Possibly opportunistic: stay factual and courteous; offer what is fair, record everything."
    ),
    ComplaintKind.PROCEDURAL: _("Procedural complaint: record it completely and confirm in writing."),
}


def for_case(status: str, mood: str = "", guest_type: str = "", kind: str = "") -> list[str]:
    tips = [STEP.get(status)]
    tips += [MOOD.get(mood), GUEST_TYPE.get(guest_type), KIND.get(kind)]
    return [str(t) for t in tips if t]
