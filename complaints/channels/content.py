"""What arrives from outside, made safe to store and show: text decoded, controls removed, sizes capped.

Nothing here marks anything safe for HTML: templates escape every field (ADR 0020).
"""

import codecs
import re

# The original is kept byte for byte up to this size; a larger one is cut and flagged.
MAX_RAW_BYTES = 2 * 1024 * 1024
MAX_BODY_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
MAX_NAME_CHARS = 200

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_PER_MESSAGE = 10
# Type -> the first bytes a real file of that type starts with (None: text, no signature).
ATTACHMENT_TYPES: dict[str, tuple[bytes, ...] | None] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "text/plain": None,
}

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def clean_text(value: str, limit: int = MAX_BODY_CHARS) -> str:
    """Text as shown to staff: NULs, other control and bidi-override characters removed, capped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", value).strip()[:limit]


def clean_line(value: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    """One line (a subject, a name): line breaks become spaces."""
    return " ".join(clean_text(value, limit * 2).split())[:limit]


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes in the charset they claim, else UTF-8, else GB18030 (Chinese mail clients), else replaced."""
    candidates = [charset] if charset else []
    for name in [*candidates, "utf-8", "gb18030"]:
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeDecodeError, TypeError):
            continue
    return data.decode("utf-8", errors="replace")


def guess_language(text: str) -> str:
    """ "zh-hans" when a good part of the letters are Chinese, "en" for other text, "" for none."""
    letters = [ch for ch in text[:2000] if ch.isalpha()]
    if not letters:
        return ""
    return "zh-hans" if len(_CJK.findall("".join(letters))) * 5 >= len(letters) else "en"


def keep_raw(raw: bytes) -> tuple[bytes, bool]:
    """The original as stored: unchanged, or cut at MAX_RAW_BYTES (and flagged)."""
    return (raw, False) if len(raw) <= MAX_RAW_BYTES else (raw[:MAX_RAW_BYTES], True)


def attachment_refusal(filename: str, content_type: str, data: bytes) -> str:
    """Why an attachment is not kept ("" when it is): too large, a type not accepted, content not its type."""
    if len(data) > ATTACHMENT_MAX_BYTES:
        return "too large"
    kind = content_type.split(";")[0].strip().lower()
    if kind not in ATTACHMENT_TYPES:
        return "type not accepted"
    signatures = ATTACHMENT_TYPES[kind]
    if signatures is not None and not data.startswith(signatures):
        return "content is not of its type"
    if kind == "text/plain" and b"\x00" in data:
        return "content is not of its type"
    return ""


def safe_filename(name: str) -> str:
    """A file name for the Content-Disposition header: no path, no quotes or controls, not empty."""
    name = clean_line(name.replace("\\", "/").rsplit("/", 1)[-1], 150)
    name = re.sub(r'["\x00-\x1f;]', "_", name).strip(". ")
    return name or "attachment"
