"""Reads of guests and stays: search, the in-house list, the profile, duplicates, export."""

import contextlib
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import Count, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from guests import list_filters, names
from guests.models import Guest, GuestEvent, GuestPhone, ProfileAccess, Stay, StayStatus
from guests.phones import InvalidPhone, digits, normalise_phone
from hotel_crm.models import Property

# Matches shown by default; a staff member may choose 50 or 100 (hotel_crm.pagination).
SEARCH_LIMIT = 25
# The key queries fetch at least this many (then the page shows its `limit`): with LIMIT 26 instead
# of 51, PostgreSQL walked the primary key backwards through a million guests for a phone tail or a
# room number (2.8 s instead of 50 ms on the benchmark's data set; docs/performance.md).
KEYS_FETCHED = 50
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")


# --- Search ---------------------------------------------------------------------


@dataclass
class ParsedQuery:
    all_of: list[str] = field(default_factory=list)  # every token must match
    any_of: list[str] = field(default_factory=list)  # phone forms: any may match
    exact: str = ""  # the token of an exact full-name match
    room_number: str = ""
    confirmation: str = ""
    too_short: bool = False

    @property
    def empty(self) -> bool:
        return not (self.all_of or self.any_of or self.room_number or self.confirmation)


def parse_query(query: str) -> ParsedQuery:
    """Turn what staff typed into search tokens (see guests.names for the tokens stored)."""
    # PostgreSQL refuses NUL in text parameters (a DataError, i.e. a 500); it is never part of a search.
    text = (query or "").replace("\x00", "").strip()[:100]
    parsed = ParsedQuery()
    if not text:
        return parsed
    if _PHONE_LIKE.match(text) and len(digits(text)) >= 1:
        number = digits(text)
        if len(number) <= 6:
            parsed.room_number = number
        if len(number) == 4:
            parsed.any_of.append("t4:" + number)
        elif len(number) >= 7:
            parsed.any_of.append("tel:" + number)
            with contextlib.suppress(InvalidPhone):
                parsed.any_of.append("tel:" + digits(normalise_phone(text)))
        parsed.confirmation = text.upper()
        return parsed
    if re.fullmatch(r"[A-Za-z0-9\-]{4,30}", text) and any(c.isdigit() for c in text):
        parsed.confirmation = text.upper()
    if "@" in text and " " not in text:
        parsed.any_of.append("@" + text.lower())
        return parsed
    cjk_exact = ""
    latin_exact: list[str] = []
    for term in text.split():
        if names.has_cjk(term):
            chars = [c for c in term if names.has_cjk(c)]
            parsed.all_of += chars if len(chars) == 1 else [a + b for a, b in itertools.pairwise(chars)]
            cjk_exact += "".join(chars)
        else:
            for word in names.latin_words(term):
                if len(word) >= names.MIN_PREFIX:
                    parsed.all_of.append(word[: names.MAX_PREFIX])
                    latin_exact.append(word)
                else:
                    parsed.too_short = True
    if cjk_exact and not latin_exact:
        parsed.exact = "=" + cjk_exact
    elif latin_exact and not cjk_exact:
        parsed.exact = "=" + "".join(latin_exact)
    parsed.all_of = list(dict.fromkeys(parsed.all_of))
    return parsed


def _tokens_array() -> Func:
    return Func(
        F("search_tokens"),
        Value(" "),
        function="string_to_array",
        output_field=ArrayField(models.TextField()),
    )


def _with_tokens[Guests: QuerySet[Guest]](
    queryset: Guests, tokens: list[str], *, any_of: bool = False
) -> Guests:
    """Guests having all (or any) of `tokens`: GIN-indexed array containment on PostgreSQL, LIKE elsewhere."""
    if not tokens:
        return queryset
    if connection.vendor == "postgresql":
        queryset = queryset.alias(tokens_array=_tokens_array())
        return (
            queryset.filter(tokens_array__overlap=tokens)
            if any_of
            else queryset.filter(tokens_array__contains=tokens)
        )
    padded = queryset.alias(
        padded_tokens=models.functions.Concat(
            Value(" "), F("search_tokens"), Value(" "), output_field=models.TextField()
        )
    )
    conditions = [Q(padded_tokens__contains=f" {token} ") for token in tokens]
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = (combined | condition) if any_of else (combined & condition)
    return padded.filter(combined)


@dataclass
class SearchResult:
    query: str
    guests: list[Guest]
    parsed: ParsedQuery
    truncated: bool = False


def guest_search(*, prop: Property | None, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Find guests by name (any script, pinyin), phone or last 4 digits, email, room or confirmation no.

    Ranked: in-house at this hotel first, then exact name matches, then newest
    profiles. A fixed number of queries whatever the number of matches.
    """
    parsed = parse_query(query)
    if parsed.empty:
        return SearchResult(query=query, guests=[], parsed=parsed)
    shown, limit = limit, max(limit, KEYS_FETCHED)
    matching = Guest.objects.active().filter(erased_at__isnull=True)
    if parsed.all_of:
        matching = _with_tokens(matching, parsed.all_of)
    elif parsed.any_of:
        matching = _with_tokens(matching, parsed.any_of, any_of=True)
    else:
        matching = matching.none()
    in_house = Stay.objects.for_property(prop).filter(status=StayStatus.IN_HOUSE)
    ranked: list[int] = []
    if parsed.room_number or parsed.confirmation:
        direct_match = Q(pk__in=[])
        if parsed.room_number:
            direct_match |= Q(status=StayStatus.IN_HOUSE, room__number=parsed.room_number)
        if parsed.confirmation:
            direct_match |= Q(confirmation_number=parsed.confirmation)
        direct = Stay.objects.for_property(prop).filter(direct_match)
        ranked += list(direct.order_by("-status", "-arrival_date").values_list("guest_id", flat=True)[:limit])
    ranked += list(
        in_house.filter(guest__in=matching.values("pk")).values_list("guest_id", flat=True)[:limit]
    )
    if parsed.exact:
        ranked += list(
            _with_tokens(matching, [parsed.exact]).order_by("-pk").values_list("pk", flat=True)[:limit]
        )
    ranked += list(matching.order_by("-pk").values_list("pk", flat=True)[: limit + 1])
    ordered = list(dict.fromkeys(ranked))
    truncated = len(ordered) > shown
    ordered = ordered[:shown]
    # Erased guests never appear, whatever matched (their stays keep room and confirmation numbers).
    guests = {g.pk: g for g in guest_rows(prop=prop).filter(pk__in=ordered, erased_at__isnull=True)}
    return SearchResult(
        query=query,
        guests=[guests[pk] for pk in ordered if pk in guests and not guests[pk].merged_into_id],
        parsed=parsed,
        truncated=truncated,
    )


def _completed_stays() -> Coalesce:
    return Coalesce(
        Subquery(
            Stay.objects.filter(guest=OuterRef("pk"), status=StayStatus.CHECKED_OUT)
            .order_by()
            .values("guest")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def guest_rows(*, prop: Property | None) -> QuerySet[Guest]:
    """Guests with what a list shows: phones, the in-house stay at this hotel, completed stays (3 queries)."""
    return Guest.objects.annotate(completed_stays=_completed_stays()).prefetch_related(
        Prefetch("phones", queryset=GuestPhone.objects.order_by("pk")),
        Prefetch(
            "stays",
            queryset=Stay.objects.for_property(prop)
            .filter(status=StayStatus.IN_HOUSE)
            .select_related("room"),
            to_attr="in_house_here",
        ),
    )


# --- In-house list --------------------------------------------------------------


class InHouseView:
    IN_HOUSE = "in_house"
    DEPARTURES = "departures"
    ARRIVALS = "arrivals"


@dataclass
class StayListFilter:
    """What the filter box above the in-house, arrivals and departures lists asks for."""

    text: str = ""  # a room number (prefix) or a name in any script, pinyin
    vip_only: bool = False
    extra: list[str] = field(default_factory=list)  # names of filters other apps registered (list_filters)

    @property
    def active(self) -> bool:
        return bool(self.text or self.vip_only or self.extra)


def _stays_matching(stays: QuerySet[Stay], stay_filter: StayListFilter) -> QuerySet[Stay]:
    text = stay_filter.text.replace("\x00", "").strip()[:100]
    if text:
        if text.isdigit():
            stays = stays.filter(room__number__startswith=text)
        else:
            parsed = parse_query(text)
            tokens = parsed.all_of or parsed.any_of
            if tokens:
                guests = _with_tokens(Guest.objects.all(), tokens, any_of=not parsed.all_of)
                stays = stays.filter(guest__in=guests.values("pk"))
            else:
                stays = stays.filter(
                    Q(guest__family_name_latin__istartswith=text)
                    | Q(guest__given_name_latin__istartswith=text)
                )
    if stay_filter.vip_only:
        stays = stays.filter(guest__vip_level__gt=0)
    wanted = set(stay_filter.extra)
    for extra in list_filters.registered():
        if extra.name in wanted:
            stays = extra.apply(stays)
    return stays


def in_house_list(
    *,
    prop: Property,
    show: str = InHouseView.IN_HOUSE,
    today: dt.date | None = None,
    stay_filter: StayListFilter | None = None,
) -> QuerySet[Stay]:
    """Who is in which room now (VIPs first), today's departures, or today's arrivals still to check in."""
    today = today or prop.today()
    stays: QuerySet[Stay] = Stay.objects.for_property(prop).select_related("guest", "room__room_type")
    if stay_filter is not None and stay_filter.active:
        stays = _stays_matching(stays, stay_filter)
    if show == InHouseView.ARRIVALS:
        stays = stays.filter(status=StayStatus.RESERVED, arrival_date__lte=today, departure_date__gt=today)
    elif show == InHouseView.DEPARTURES:
        stays = stays.filter(status=StayStatus.IN_HOUSE, departure_date__lte=today)
    else:
        stays = stays.filter(status=StayStatus.IN_HOUSE)
    return stays.annotate(
        guest_completed_stays=Coalesce(
            Subquery(
                Stay.objects.filter(guest=OuterRef("guest_id"), status=StayStatus.CHECKED_OUT)
                .order_by()
                .values("guest")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )
    ).order_by("-guest__vip_level", "departure_date", "room__floor", "room__number")


def in_house_counts(*, prop: Property, today: dt.date | None = None) -> dict[str, int]:
    today = today or prop.today()
    return Stay.objects.for_property(prop).aggregate(
        in_house=Count("pk", filter=Q(status=StayStatus.IN_HOUSE)),
        departures=Count("pk", filter=Q(status=StayStatus.IN_HOUSE, departure_date__lte=today)),
        arrivals=Count(
            "pk", filter=Q(status=StayStatus.RESERVED, arrival_date__lte=today, departure_date__gt=today)
        ),
    )


# --- Profile ----------------------------------------------------------------------


@dataclass
class OtherHotel:
    code: str
    name: str
    stays: int
    last_departure: dt.date | None


@dataclass
class GuestProfile:
    guest: Guest
    current_stay: Stay | None
    stays: list[Stay]
    other_hotels: list[OtherHotel]
    completed_stays: int
    recent_access: list[ProfileAccess]
    events: list[GuestEvent]


def stay_in_house(*, prop: Property, guest: Guest) -> Stay | None:
    """The guest's stay in house at `prop`, with its room, if they are staying there now."""
    stay = (
        Stay.objects.for_property(prop)
        .filter(guest=guest, status=StayStatus.IN_HOUSE)
        .select_related("room")
        .first()
    )
    if stay is not None:
        stay.guest = guest  # the same row: callers read it from the stay
    return stay


def guest_for_profile(*, pk: int) -> Guest | None:
    return Guest.objects.prefetch_related("phones", "preferences").filter(pk=pk).first()


def guest_profile(*, guest: Guest, prop: Property, group_wide: bool) -> GuestProfile:
    """What the profile page shows. Staff of one hotel see that hotel's stays in full and the
    other hotels only as a count; group-level staff see every stay (fixed number of queries)."""
    all_stays = Stay.objects.filter(guest=guest).select_related("room__room_type", "property")
    stays = list(all_stays if group_wide else all_stays.filter(property=prop))
    others: list[OtherHotel] = []
    if not group_wide:
        for row in (
            Stay.objects.filter(guest=guest)
            .exclude(property=prop)
            .values("property__code", "property__name_en", "property__name_zh")
            .annotate(n=Count("pk"), last=models.Max("departure_date"))
            .order_by("property__code")
        ):
            others.append(
                OtherHotel(
                    code=row["property__code"],
                    name=names_localized(row["property__name_en"], row["property__name_zh"]),
                    stays=row["n"],
                    last_departure=row["last"],
                )
            )
    completed = Stay.objects.filter(guest=guest, status=StayStatus.CHECKED_OUT).count()
    current = next((s for s in stays if s.status == StayStatus.IN_HOUSE and s.property_id == prop.pk), None)
    return GuestProfile(
        guest=guest,
        current_stay=current,
        stays=stays,
        other_hotels=others,
        completed_stays=completed,
        recent_access=list(ProfileAccess.objects.filter(guest=guest).select_related("user")[:10]),
        events=list(GuestEvent.objects.filter(guest=guest).select_related("actor")[:20]),
    )


def names_localized(english: str, chinese: str) -> str:
    from hotel_crm.i18n import localized

    return localized(english, chinese)


# --- Duplicates -------------------------------------------------------------------


def guest_possible_duplicates(
    *,
    email: str,
    phones: list[str],
    family_cjk: str,
    given_cjk: str,
    family_latin: str,
    given_latin: str,
    exclude: int | None = None,
    limit: int = 10,
) -> list[Guest]:
    """Profiles that may be the same person: same phone, same email, or the same full name."""
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email__iexact=email.strip())
    if phones:
        condition |= Q(pk__in=GuestPhone.objects.filter(number__in=phones).values("guest_id"))
    if family_cjk and given_cjk:
        condition |= Q(family_name_cjk=family_cjk, given_name_cjk=given_cjk)
    if family_latin and given_latin:
        condition |= Q(family_name_latin__iexact=family_latin, given_name_latin__iexact=given_latin)
    queryset = Guest.objects.active().filter(erased_at__isnull=True).filter(condition)
    if exclude:
        queryset = queryset.exclude(pk=exclude)
    return list(queryset.prefetch_related("phones").order_by("-pk")[:limit])


# --- Export -----------------------------------------------------------------------


def guest_export(*, guest: Guest) -> dict[str, Any]:
    """Everything held about a guest, as one JSON-serialisable document."""

    def rows(queryset: QuerySet[Any], fields: list[str]) -> list[dict[str, Any]]:
        return [{f: _jsonable(_dig(obj, f)) for f in fields} for obj in queryset]

    profile_fields = [
        f.name for f in Guest._meta.concrete_fields if f.name not in {"search_tokens", "merged_into"}
    ]
    return {
        "format": "hotel_crm.guest_export/1",
        "guest": {name: _jsonable(getattr(guest, name)) for name in profile_fields},
        "display_name": guest.display_name,
        "phones": rows(guest.phones.all(), ["number", "label"]),
        "preferences": rows(guest.preferences.all(), ["category", "value"]),
        "stays": rows(
            Stay.objects.filter(guest=guest).select_related("property", "room").order_by("arrival_date"),
            [
                "property__code",
                "room__number",
                "arrival_date",
                "departure_date",
                "confirmation_number",
                "status",
                "checked_in_at",
                "checked_out_at",
                "adults",
                "notes",
                "created_at",
            ],
        ),
        "merged_profiles": list(Guest.objects.filter(merged_into=guest).values_list("pk", flat=True)),
        "profile_accesses": rows(
            ProfileAccess.objects.filter(guest=guest).select_related("user", "property"),
            ["user__username", "property__code", "action", "at"],
        ),
        "events": rows(
            GuestEvent.objects.filter(guest=guest).select_related("actor"),
            ["kind", "actor__username", "note", "at"],
        ),
    }


def _dig(obj: object, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
