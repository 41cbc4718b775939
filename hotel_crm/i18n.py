"""Pick the English or Chinese form of a bilingual name for the active language."""

from django.utils import translation


def localized(english: str, chinese: str) -> str:
    """Return the Chinese form when the UI is in Chinese and one exists, else the English one."""
    language = translation.get_language() or ""
    if language.startswith("zh") and chinese:
        return chinese
    return english or chinese


class BilingualName:
    """For models with `name_en` and `name_zh`: `.name` in the active language."""

    name_en: str
    name_zh: str

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_zh)
