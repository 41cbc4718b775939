"""Guest names: how they are written, romanised and searched. Pure Python, no ORM."""

import itertools
import re
import unicodedata

from pypinyin import Style, pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
MIN_PREFIX = 2
MAX_PREFIX = 24


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def fold_latin(text: str) -> str:
    """Lower-case, strip accents and tone marks (zhāng → zhang, Müller → muller), drop punctuation."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def latin_words(text: str) -> list[str]:
    return [w for w in _NON_WORD.split(fold_latin(text)) if w]


def romanise(chinese: str, *, surname: bool = False) -> list[str]:
    """Every plausible pinyin reading of `chinese`, syllables joined ('zhangsan').

    Surnames often read differently (曾 zeng, 单 shan): for a family name every
    reading of its first character is kept, so either spelling finds the guest.
    """
    chars = [c for c in chinese if has_cjk(c)]
    if not chars:
        return []
    readings = pinyin("".join(chars), style=Style.NORMAL, heteronym=surname, errors="ignore")
    first = readings[0] if surname else readings[0][:1]
    rest = "".join(r[0] for r in readings[1:])
    forms = [fold_latin(f + rest) for f in dict.fromkeys(first)]
    # pypinyin writes ü as v (吕 lv); staff also type "lu" or "lü" (folded to lu): keep both.
    return list(dict.fromkeys(forms + [f.replace("v", "u") for f in forms if "v" in f]))


def pinyin_syllables(chinese: str) -> list[str]:
    return [
        r[0] for r in pinyin("".join(c for c in chinese if has_cjk(c)), style=Style.NORMAL, errors="ignore")
    ]


def _prefixes(word: str) -> set[str]:
    return {word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)} | {word}


def cjk_tokens(text: str) -> set[str]:
    """Each character and each pair of adjacent characters (张三丰 → 张 三 丰 张三 三丰)."""
    chars = [c for c in text if has_cjk(c)]
    return set(chars) | {a + b for a, b in itertools.pairwise(chars)}


def name_tokens(*, family_cjk: str, given_cjk: str, family_latin: str, given_latin: str) -> set[str]:
    """Search tokens for a guest's name in every form staff may type."""
    tokens = cjk_tokens(family_cjk + given_cjk)
    if family_cjk or given_cjk:
        tokens.add("=" + family_cjk + given_cjk)
    family_romans = romanise(family_cjk, surname=True) if family_cjk else []
    given_roman = romanise(given_cjk)[0] if romanise(given_cjk) else ""
    latin_forms: list[tuple[list[str], list[str]]] = [(latin_words(family_latin), latin_words(given_latin))]
    for family_roman in family_romans:
        latin_forms.append(([family_roman], [given_roman] if given_roman else []))
        # initials, e.g. "zs" for 张三
        syllables = [family_roman[:1]] + [s[:1] for s in pinyin_syllables(given_cjk)]
        tokens.add("".join(syllables))
    for index, (family, given) in enumerate(latin_forms):
        for word in family + given:
            tokens |= _prefixes(word)
        if family and given:
            # typed without a space: "zhangsan" (prefixes too, for pinyin), "johnsmith"
            forward = "".join(family + given)
            tokens |= _prefixes(forward) if index > 0 else {forward}
            tokens |= {"".join(given + family), "=" + forward, "=" + "".join(given + family)}
        elif family or given:
            tokens.add("=" + "".join(family + given))
    # a given pinyin name may be typed as separate syllables: "xiao ming"
    for syllable in pinyin_syllables(given_cjk):
        tokens |= _prefixes(fold_latin(syllable))
    return {t for t in tokens if t and t != "="}


def display_name(*, family_cjk: str, given_cjk: str, family_latin: str, given_latin: str) -> str:
    """The name as the guest's culture writes it: 张三 (family first, no space) or John Smith."""
    if family_cjk or given_cjk:
        return f"{family_cjk}{given_cjk}"
    return " ".join(part for part in (given_latin, family_latin) if part)


def romanised_name(*, family_cjk: str, given_cjk: str) -> str:
    """Pinyin as on a passport: ZHANG San."""
    family = "".join(s.capitalize() for s in pinyin_syllables(family_cjk)).upper()
    given = "".join(pinyin_syllables(given_cjk)).capitalize()
    return " ".join(part for part in (family, given) if part)
