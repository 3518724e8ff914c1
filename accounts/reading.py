"""Easy reading: a text size in three steps and a high-contrast theme, remembered per browser and per account.

The browser's cookie wins (the person chose it on this device); without one, a signed-in person's saved
choice applies, so it follows them to a new phone. Pages render the classes on ``<html>`` from the server,
so there is no flash of small text and no script is needed.
"""

from dataclasses import dataclass

COOKIE = "ll_reading"
COOKIE_MAX_AGE = 365 * 24 * 3600
SIZES = (1, 2, 3)


@dataclass(frozen=True)
class ReadingPreferences:
    text_size: int = 1
    high_contrast: bool = False

    @property
    def easy_reading(self) -> bool:
        """Larger text or high contrast: the person asked for easier reading, so easy-read summaries come first."""
        return self.text_size > 1 or self.high_contrast

    @property
    def html_class(self) -> str:
        classes = [f"text-size-{self.text_size}"]
        if self.high_contrast:
            classes.append("contrast-high")
        return " ".join(classes)

    @property
    def cookie_value(self) -> str:
        return f"s{self.text_size}c{int(self.high_contrast)}"

    @classmethod
    def parse(cls, value: str) -> "ReadingPreferences | None":
        """``s2c1`` -> size 2, high contrast; anything else is None (ignored)."""
        if len(value or "") != 4 or value[0] != "s" or value[2] != "c":
            return None
        if not value[1].isdigit() or int(value[1]) not in SIZES or value[3] not in "01":
            return None
        return cls(text_size=int(value[1]), high_contrast=value[3] == "1")


def preferences_for(request) -> ReadingPreferences:
    from_cookie = ReadingPreferences.parse(request.COOKIES.get(COOKIE, ""))
    if from_cookie is not None:
        return from_cookie
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        size = user.text_size if user.text_size in SIZES else 1
        return ReadingPreferences(text_size=size, high_contrast=user.high_contrast)
    return ReadingPreferences()


def reading(request) -> dict:
    """Context processor: ``reading`` for the ``<html>`` classes and the controls' pressed states."""
    return {"reading": preferences_for(request)}


def page_variant(request) -> str:
    """What a page kept for signed-out visitors varies on (``settings.SIGNED_OUT_PAGE_VARIES_ON``): one of the six
    valid preferences, whatever the cookie holds, so no cookie value makes one more page to keep."""
    return preferences_for(request).cookie_value
