"""Compliments: a guest's praise for a staff member, recorded like a courtesy check."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from complaints import selectors
from complaints.case_primitives import ComplaintError
from complaints.models import Compliment
from guests.models import Stay
from hotel_crm.models import Property


@transaction.atomic
def compliment_record(
    *, prop: Property, actor: User, praised: User, words: str, stay: Stay | None = None
) -> Compliment:
    """Record who the guest praised and what they said (counted per staff member, exportable)."""
    if stay is not None and stay.property_id != prop.pk:
        raise ComplaintError(_("That stay belongs to another hotel."))
    if not selectors.staff_of_property(prop=prop).filter(pk=praised.pk).exists():
        raise ComplaintError(_("Choose a member of this hotel's staff."))
    if not words.strip():
        raise ComplaintError(_("Write down what the guest said."))
    return Compliment.objects.create(
        property=prop,
        stay=stay,
        guest=stay.guest if stay is not None else None,
        praised=praised,
        words=words.strip()[:500],
        recorded_by=actor,
    )
