"""Phone numbers: normalised to E.164 on the way in, searchable by their last four digits."""

import re

import phonenumbers
from django.conf import settings

_DIGITS = re.compile(r"\D+")


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str, region: str | None = None) -> str:
    """'138 1234 5678' → '+8613812345678'; raise InvalidPhone if it is not a possible number."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise InvalidPhone(raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(raw) from error
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def pretty_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def digits(text: str) -> str:
    return _DIGITS.sub("", text or "")


def phone_tokens(e164: str) -> set[str]:
    """Tokens for the full number, the national number and its last four digits."""
    tokens = {"tel:" + digits(e164), "t4:" + digits(e164)[-4:]}
    try:
        parsed = phonenumbers.parse(e164)
        tokens.add("tel:" + str(parsed.national_number))
    except phonenumbers.NumberParseException:
        pass
    return tokens
