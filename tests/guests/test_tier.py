"""The loyalty tier badge: one rule (LoyaltyTier.for_stays), the same markup the pages always showed."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from guests.models import LoyaltyTier

# The badge as the template computed it before the rule moved to Python, per completed stays.
BADGES = {
    None: '<span class="badge tier-first">First-time guest</span>',
    0: '<span class="badge tier-first">First-time guest</span>',
    1: '<span class="badge tier-returning">Returning guest</span>',
    2: '<span class="badge tier-returning">Returning guest</span>',
    3: '<span class="badge tier-regular">Regular guest</span>',
    5: '<span class="badge tier-regular">Regular guest</span>',
    6: '<span class="badge tier-loyal">Loyal guest</span>',
    40: '<span class="badge tier-loyal">Loyal guest</span>',
}


@pytest.mark.parametrize(("completed", "badge"), BADGES.items())
def test_the_badge_shows_the_tier_python_computes(completed, badge):
    assert render_to_string("guests/includes/tier.html", {"completed": completed}) == badge + "\n"


@pytest.mark.parametrize(
    ("completed", "tier"),
    [
        (0, LoyaltyTier.FIRST_TIME),
        (1, LoyaltyTier.RETURNING),
        (3, LoyaltyTier.REGULAR),
        (6, LoyaltyTier.LOYAL),
    ],
)
def test_the_tier_rule(completed, tier):
    assert LoyaltyTier.for_stays(completed) is tier


def test_the_badge_is_translated():
    with translation.override("zh-hans"):
        html = render_to_string("guests/includes/tier.html", {"completed": 6})
    assert html == '<span class="badge tier-loyal">忠诚客人</span>\n'
