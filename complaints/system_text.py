"""The complaints app's system text keys (hotel_crm.system_text): stored as keys, rendered per reader.

The msgids are the ones the catalogue already translated; changing one needs a new key (old rows keep
theirs), never an edit in place.
"""

from django.utils.translation import gettext_lazy as _

from complaints.models import Area
from hotel_crm import system_text

REPEAT = "complaints.repeat"
WHERE_ROOM = "complaints.where_room"
APPROVAL_LINE = "complaints.approval_line"
OVER_CASE_LIMIT = "complaints.over_case_limit"
OVER_DAY_LIMIT = "complaints.over_day_limit"
LINK_EMAILED = "complaints.link_emailed"
LINK_NO_EMAIL = "complaints.link_no_email"
LINK_EMAILED_ERASED = "complaints.link_emailed_erased"
APPROVAL_NEEDED = "complaints.approval_needed"
APPROVED = "complaints.approved"
NOT_APPROVED = "complaints.not_approved"
ACTION_DONE = "complaints.action_done"
CHECKIN_FLAGGED = "complaints.checkin_flagged"
NOTIFICATION_ERASED = "complaints.notification_erased"
NOTIFICATION_ERASED_CASE = "complaints.notification_erased_case"


def area_key(area: str) -> str:
    return f"complaints.area.{area}"


system_text.register(REPEAT, _("%(count)d cases of “%(category)s” in %(where)s within %(days)d days."))
system_text.register(WHERE_ROOM, _("room %(room)s"))
for _value, _label in Area.choices:
    system_text.register(area_key(_value), _label)
# Only data and punctuation: the same in every language.
system_text.register(APPROVAL_LINE, "%(description)s · %(value)s %(currency)s · %(why)s")
system_text.register(OVER_CASE_LIMIT, _("over the limit on one case (%(total)s of %(limit)s)"))
system_text.register(OVER_DAY_LIMIT, _("over today's limit (%(total)s of %(limit)s)"))
system_text.register(LINK_EMAILED, _("Emailed to %(email)s."))
system_text.register(LINK_NO_EMAIL, _("No email on file: show the QR code or print the link."))
# The guest was erased since: the address is gone from the timeline.
system_text.register(LINK_EMAILED_ERASED, _("Emailed to the guest (address erased)."))
system_text.register(APPROVAL_NEEDED, _("Approval needed on %(ref)s: %(what)s (%(value)s %(currency)s)."))
system_text.register(APPROVED, _("Approved on %(ref)s: %(what)s. You may now offer it to the guest."))
system_text.register(NOT_APPROVED, _("Not approved on %(ref)s: %(what)s. Offer something else."))
system_text.register(ACTION_DONE, _("Done on %(ref)s: %(what)s"))

# Rows written before system text was stored as keys, whose wording matched no known message.
LEGACY = "complaints.legacy"
system_text.register(LEGACY, "%(text)s")

# Issue #20 (ADR 0017): department work and problems across rooms.
NEW_WORK = "complaints.new_work"
HANDED_BACK = "complaints.handed_back"
NEW_PROBLEM = "complaints.problem_new"
PROBLEM_RAISED_WHAT = "complaints.problem_raised_what"
UNIT_CASES = "complaints.unit_cases"
UNIT_ROOMS = "complaints.unit_rooms"
PROBLEM_REOPENED = "complaints.problem_reopened"
REPEAT_AFTER_CLOSE = "complaints.problem_repeat_after_close"
REPEAT_DURING_VERIFICATION = "complaints.problem_repeat_verifying"
PROBLEM_OWNER = "complaints.problem_owner"
DECISION_NEEDED = "complaints.decision_needed"
DECIDED = "complaints.decided"
DECIDED_YES = "complaints.decided_yes"
DECIDED_NO = "complaints.decided_no"
CORRECTIVE_ACTION = "complaints.corrective_action"
# The problem's own timeline (its page names the problem, so the lines do not).
PROBLEM_DECIDED_LINE = "complaints.problem_decided_line"
PROBLEM_ACTION_LINE = "complaints.problem_action_line"

system_text.register(NEW_WORK, _("New work for %(department)s on %(ref)s: %(what)s"))
system_text.register(HANDED_BACK, _("%(department)s handed back on %(ref)s: %(what)s — %(why)s"))
system_text.register(NEW_PROBLEM, _("New problem %(ref)s: %(what)s"))
system_text.register(PROBLEM_RAISED_WHAT, _("%(count)d %(unit)s within %(days)d days (threshold %(n)d)."))
system_text.register(UNIT_CASES, _("cases"))
system_text.register(UNIT_ROOMS, _("rooms"))
system_text.register(PROBLEM_REOPENED, _("Problem %(ref)s reopened by a repeat: %(note)s"))
system_text.register(REPEAT_AFTER_CLOSE, _("%(ref)s happened after the problem was closed."))
system_text.register(REPEAT_DURING_VERIFICATION, _("%(ref)s happened during the verification period."))
system_text.register(PROBLEM_OWNER, _("You own problem %(ref)s now."))
system_text.register(DECISION_NEEDED, _("Decision needed on problem %(ref)s: %(question)s"))
system_text.register(DECIDED, _("%(verdict)s on problem %(ref)s: %(question)s"))
system_text.register(DECIDED_YES, _("Decided yes"))
system_text.register(DECIDED_NO, _("Decided no"))
system_text.register(CORRECTIVE_ACTION, _("Corrective action for problem %(ref)s, due %(when)s: %(what)s"))
system_text.register(PROBLEM_DECIDED_LINE, _("%(verdict)s: %(question)s"))
system_text.register(PROBLEM_ACTION_LINE, _("By %(who)s, due %(when)s"))
system_text.register(CHECKIN_FLAGGED, _("Flagged guest checked in: %(guest)s, room %(room)s — %(flags)s."))
system_text.register(
    NOTIFICATION_ERASED, _("About a guest whose data was erased: this notification's text was removed.")
)
system_text.register(
    NOTIFICATION_ERASED_CASE,
    _("About %(ref)s: the guest's data was erased, so this notification's text was removed."),
)
