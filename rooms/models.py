"""Room inventory: room types, rooms, in-room facilities, floor zones and their privileges."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.i18n import BilingualName
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class BedConfiguration(models.TextChoices):
    KING = "king", _("One king bed")
    TWIN = "twin", _("Two twin beds")
    DOUBLE = "double", _("One double bed")


class RoomStatus(models.TextChoices):
    VACANT_CLEAN = "vacant_clean", _("Vacant clean")
    VACANT_DIRTY = "vacant_dirty", _("Vacant dirty")
    OCCUPIED = "occupied", _("Occupied")
    OUT_OF_ORDER = "out_of_order", _("Out of order")


class Facility(BilingualName, models.Model):
    """Something a room has (minibar, in-room safe...); room types list theirs."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="facilities")
    code = models.SlugField(_("code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["property", "name_en"]
        constraints = [models.UniqueConstraint(fields=["property", "code"], name="facility_code_unique")]

    def __str__(self) -> str:
        return self.name


class RoomType(BilingualName, models.Model):
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="room_types")
    code = models.SlugField(_("code"), max_length=20, help_text=_("Short code, e.g. DK for Deluxe King."))
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    bed_configuration = models.CharField(_("beds"), max_length=10, choices=BedConfiguration.choices)
    max_occupancy = models.PositiveSmallIntegerField(_("maximum occupancy"), default=2)
    is_suite = models.BooleanField(_("suite"), default=False)
    facilities = models.ManyToManyField(
        Facility, blank=True, related_name="room_types", verbose_name=_("facilities")
    )

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("room type")
        verbose_name_plural = _("room types")
        ordering = ["property", "code"]
        constraints = [
            models.UniqueConstraint(fields=["property", "code"], name="roomtype_code_unique"),
            models.CheckConstraint(condition=Q(max_occupancy__gte=1), name="roomtype_occupancy_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class FloorZone(BilingualName, models.Model):
    """A range of floors with its own privileges, e.g. the executive floor (32–35)."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="floor_zones")
    code = models.SlugField(_("code"), max_length=20)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    first_floor = models.SmallIntegerField(_("first floor"))
    last_floor = models.SmallIntegerField(_("last floor"))
    is_executive = models.BooleanField(_("executive floor"), default=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("floor zone")
        verbose_name_plural = _("floor zones")
        ordering = ["property", "first_floor"]
        constraints = [
            models.UniqueConstraint(fields=["property", "code"], name="floorzone_code_unique"),
            models.CheckConstraint(
                condition=Q(first_floor__lte=F("last_floor")), name="floorzone_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_floor}–{self.last_floor})"

    def covers(self, floor: int) -> bool:
        return self.first_floor <= floor <= self.last_floor


class ZonePrivilege(BilingualName, models.Model):
    """A privilege guests on a floor zone enjoy, e.g. complimentary continental breakfast."""

    zone = models.ForeignKey(FloorZone, on_delete=models.CASCADE, related_name="privileges")
    name_en = models.CharField(_("name (English)"), max_length=160)
    name_zh = models.CharField(_("name (Chinese)"), max_length=160, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("zone privilege")
        verbose_name_plural = _("zone privileges")
        ordering = ["zone", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class Room(ChoiceLabels, models.Model):
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(_("number"), max_length=10)
    floor = models.SmallIntegerField(_("floor"))
    room_type = models.ForeignKey(
        RoomType, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("type")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RoomStatus.choices, default=RoomStatus.VACANT_CLEAN
    )
    out_of_order_reason = models.CharField(_("out-of-order reason"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["property", "floor", "number"]
        permissions = [
            ("change_room_status", _("Can change a room's housekeeping status")),
            ("view_room_board", _("Can see the room board")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["property", "number"], name="room_number_unique_per_property"),
            models.CheckConstraint(
                condition=~Q(status="out_of_order") | ~Q(out_of_order_reason=""),
                name="room_out_of_order_needs_reason",
            ),
        ]
        indexes = [models.Index(fields=["property", "status"], name="room_property_status_idx")]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        errors = {}
        if self.room_type_id and self.property_id and self.room_type.property_id != self.property_id:
            errors["room_type"] = _("This room type belongs to another property.")
        if self.status == RoomStatus.OUT_OF_ORDER and not self.out_of_order_reason.strip():
            errors["out_of_order_reason"] = _("Say why the room is out of order.")
        if errors:
            raise ValidationError(errors)
