"""Steps 2 and 3: offers and the guest's answer (complaints.services.resolution)."""

import datetime as dt
from decimal import Decimal

import pytest

from complaints import services
from complaints.models import (
    EventKind,
    Offer,
    OfferStatus,
)
from complaints.services import ComplaintError
from complaints.workflow import Status
from tests import factories
from tests.complaints.services.cases import act, answer, offer, timeline, walk

pytestmark = pytest.mark.django_db

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_declined_offers_keep_the_case_resolving_until_one_is_accepted(sha, clerk, dept):
    # Given a case at step 3
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    # When the first offer is declined
    first = offer(case, clerk, "Breakfast on the house", "180")
    answer(case, clerk, first, accepted=False, response="Not enough.")
    # Then the case is still resolving and the decline is recorded with what the guest said
    case.refresh_from_db()
    assert case.status == S.RESOLVING
    first.refresh_from_db()
    assert first.status == OfferStatus.DECLINED and first.guest_response == "Not enough."
    # When a second offer is made, and a third is tried before the guest answered the second
    second = offer(case, clerk, "Upgrade to a suite", "600")
    with pytest.raises(ComplaintError, match="not answered"):
        offer(case, clerk, "Something else")
    # Then only the second is waiting; and when it is accepted the case moves on to following up
    assert list(case.offers.filter(status=OfferStatus.PROPOSED)) == [second]
    answer(case, clerk, second, accepted=True)
    case.refresh_from_db()
    assert case.status == S.FOLLOWING_UP
    assert [k for k, _, _ in timeline(case)][-4:] == [
        K.OFFERED,
        K.OFFER_DECLINED,
        K.OFFERED,
        K.OFFER_ACCEPTED,
    ]
    assert list(case.offers.values_list("status", flat=True)) == [OfferStatus.DECLINED, OfferStatus.ACCEPTED]


def test_an_offer_cannot_be_answered_twice_nor_on_another_case(sha, clerk, dept):
    # Given two cases at step 3, one with a declined offer and one with an open offer
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    other = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    declined = offer(case, clerk)
    answer(case, clerk, declined, accepted=False)
    offer(case, clerk, "Second try")
    elsewhere = offer(other, clerk, "For the other case")
    # When the declined offer is accepted after all, or the other case's offer is answered on this case
    # Then both are refused
    with pytest.raises(ComplaintError, match="already answered"):
        answer(case, clerk, declined, accepted=True)
    with pytest.raises(ComplaintError, match="already answered"):
        answer(case, clerk, elsewhere, accepted=True)
    elsewhere.refresh_from_db()
    assert elsewhere.status == OfferStatus.PROPOSED


@pytest.mark.parametrize(("remedy", "description", "value"), [("bribe", "x", "1"), ("amenity", "  ", "1")])
def test_an_offer_needs_a_known_remedy_and_a_description(sha, clerk, dept, remedy, description, value):
    # Given a case at step 3
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    # When an offer without a known remedy or without a description is made
    # Then it is refused and nothing is recorded
    with pytest.raises(ComplaintError):
        act(
            services.offer_make,
            case,
            clerk,
            remedy_type=remedy,
            description=description,
            value=Decimal(value),
        )
    assert not Offer.objects.exists()
