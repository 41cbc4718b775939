"""Move cases along and read them back as a user would see them."""

import datetime as dt

from django.contrib.auth import get_user_model

from complaints import selectors, services
from complaints.models import Complaint
from complaints.selectors import ComplaintFilters
from complaints.workflow import Status
from tests import factories

S = Status
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def act(service, case, actor, **kwargs):
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def to_resolving(case, actor):
    act(services.complaint_confirm_restatement, case, actor, confirmed=True)
    act(services.complaint_apologise, case, actor, method="in_person")


def accept_an_offer(case, actor, description="Fruit basket"):
    made = act(services.offer_make, case, actor, remedy_type="amenity", description=description)
    act(services.offer_answer, case, actor, offer_id=made.pk, accepted=True)


def refs(queryset) -> list[str]:
    return [c.reference for c in queryset]


def a_viewer():
    """A superuser: sees every case, so these tests pin the filters, not the access rule."""
    user = get_user_model().objects.filter(username="selector-viewer").first()
    return user or factories.make_staff("selector-viewer", is_superuser=True)


def listed(prop, now=None, **filters) -> list[Complaint]:
    return list(
        selectors.complaint_list(user=a_viewer(), prop=prop, filters=ComplaintFilters(**filters), now=now)
    )
