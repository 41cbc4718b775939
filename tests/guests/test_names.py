"""Guest names: display, romanisation and search tokens. Pure Python, no database."""

from guests import names


def chinese(family: str, given: str) -> dict[str, str]:
    return {"family_cjk": family, "given_cjk": given, "family_latin": "", "given_latin": ""}


def latin(given: str, family: str) -> dict[str, str]:
    return {"family_cjk": "", "given_cjk": "", "family_latin": family, "given_latin": given}


def test_a_chinese_name_is_displayed_family_name_first_without_a_space():
    # Given a guest written 张 (family) 三 (given)
    # When the name is displayed
    shown = names.display_name(**chinese("张", "三"))
    # Then it reads as Chinese writes it
    assert shown == "张三"


def test_a_latin_name_is_displayed_given_name_first():
    # Given John (given) Smith (family)
    # When the name is displayed
    shown = names.display_name(**latin("John", "Smith"))
    # Then it reads as English writes it
    assert shown == "John Smith"


def test_the_chinese_name_wins_when_a_guest_has_both_scripts():
    # Given a guest with a Chinese and a Latin name
    both = {"family_cjk": "王", "given_cjk": "芳", "family_latin": "Wang", "given_latin": "Fiona"}
    # When the name is displayed
    # Then the Chinese one is shown
    assert names.display_name(**both) == "王芳"


def test_a_latin_name_with_only_a_family_name_has_no_stray_space():
    # Given only a family name
    # When it is displayed
    # Then there is no leading space
    assert names.display_name(**latin("", "Smith")) == "Smith"


def test_romanised_name_is_written_as_on_a_passport():
    # Given Chinese names, one with a two-character family name
    # When they are romanised
    # Then the family name is upper case and the given name capitalised, syllables joined
    assert names.romanised_name(family_cjk="张", given_cjk="三") == "ZHANG San"
    assert names.romanised_name(family_cjk="欧阳", given_cjk="娜娜") == "OUYANG Nana"
    assert names.romanised_name(family_cjk="李", given_cjk="小明") == "LI Xiaoming"


def test_romanised_name_is_empty_without_a_chinese_name():
    # Given a Latin-only guest
    # When romanised
    # Then there is nothing to show
    assert names.romanised_name(family_cjk="", given_cjk="") == ""


def test_fold_latin_strips_tone_marks_and_accents_and_lowercases():
    # Given pinyin with tone marks and a European name with accents
    # When folded
    # Then only plain lower-case letters remain
    assert names.fold_latin("Zhāng Sān") == "zhang san"
    assert names.fold_latin("Lǐ Xiǎomíng") == "li xiaoming"
    assert names.fold_latin("Müller") == "muller"
    assert names.fold_latin("José Núñez") == "jose nunez"


def test_latin_words_split_on_punctuation_and_spaces():
    # Given a name typed with hyphen and apostrophe
    # When split into words
    # Then each word is folded and punctuation is gone
    assert names.latin_words("Jean-Luc O'Brien") == ["jean", "luc", "o", "brien"]


def test_chinese_name_tokens_cover_each_character_and_the_full_name():
    # Given 张三
    # When its search tokens are built
    tokens = names.name_tokens(**chinese("张", "三"))
    # Then either character and the whole name are there
    assert {"张", "三", "张三"} <= tokens


def test_chinese_name_tokens_cover_pinyin_with_and_without_spaces_and_initials():
    # Given 张三
    # When its search tokens are built
    tokens = names.name_tokens(**chinese("张", "三"))
    # Then pinyin per syllable, joined, its prefixes and the initials are all there
    assert {"zhang", "san", "zhangsan", "zhangs", "zs"} <= tokens


def test_chinese_name_tokens_hold_an_exact_full_name_marker():
    # Given 张三
    # When its search tokens are built
    tokens = names.name_tokens(**chinese("张", "三"))
    # Then the exact-match markers used for ranking are there, in characters and pinyin
    assert {"=张三", "=zhangsan"} <= tokens
    # and a single character is not marked as an exact match
    assert "=张" not in tokens


def test_a_surname_with_two_readings_is_found_by_either():
    # Given 曾 (read zeng as a surname, ceng otherwise)
    # When the tokens of 曾小明 are built
    tokens = names.name_tokens(**chinese("曾", "小明"))
    # Then both readings and their joined forms and initials are tokens
    assert {"zeng", "ceng", "zengxiaoming", "cengxiaoming", "zxm", "cxm"} <= tokens


def test_only_the_surname_gets_every_reading():
    # Given 曾 as a given name, not a surname
    # When the tokens are built
    tokens = names.name_tokens(**chinese("王", "曾"))
    # Then the given name has just its usual reading
    assert "ceng" in tokens
    assert "zeng" not in tokens


def test_single_given_pinyin_syllables_are_tokens_on_their_own():
    # Given a two-syllable given name
    # When the tokens of 李小明 are built
    tokens = names.name_tokens(**chinese("李", "小明"))
    # Then each syllable can be typed alone ("xiao ming")
    assert {"xiao", "ming", "xiaoming"} <= tokens


def test_latin_name_tokens_include_prefixes_and_both_word_orders():
    # Given John Smith
    # When the tokens are built
    tokens = names.name_tokens(**latin("John", "Smith"))
    # Then prefixes, both orders typed together and exact markers are there
    assert {"smi", "smith", "jo", "john", "johnsmith", "smithjohn", "=johnsmith", "=smithjohn"} <= tokens
    # and no one-letter prefix (it would match half the guests)
    assert not {"s", "j"} & tokens


def test_latin_tokens_are_folded():
    # Given a name with accents typed in mixed case
    # When the tokens are built
    tokens = names.name_tokens(**latin("José", "MÜLLER"))
    # Then they are plain lower case
    assert {"jose", "muller"} <= tokens
    assert not any(ch.isupper() for token in tokens for ch in token)


def test_tokens_never_contain_spaces():
    # Given names whose parts contain spaces
    # When the tokens are built
    tokens = names.name_tokens(
        family_cjk="", given_cjk="", family_latin="van der Berg", given_latin="Anna Maria"
    )
    # Then no token has a space (tokens are stored space-separated)
    assert tokens
    assert not any(" " in token for token in tokens)


def test_has_cjk():
    # Given Chinese, Latin and empty text
    # When checked for Chinese characters
    # Then only the Chinese one has any
    assert names.has_cjk("张")
    assert names.has_cjk("Room 张")
    assert not names.has_cjk("Zhang")
    assert not names.has_cjk("")


def test_pinyin_u_umlaut_is_found_as_lv_lu_and_lü():
    # Given 吕 (pypinyin: lv)
    tokens = names.name_tokens(family_cjk="吕", given_cjk="布", family_latin="", given_latin="")
    # Then "lv bu", "lu bu" and "lü bu" (folded to lu) all match
    assert {"lv", "lu", "lvbu", "lubu"} <= tokens
    assert names.fold_latin("Lü") == "lu"
