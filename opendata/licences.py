"""The licence datasets and the API are published under, chosen by ``OPENDATA_LICENCE``."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

LICENCES = {
    "kogl-1": {
        "code": "kogl-1",
        "name": _("Korea Open Government License, Type 1 (attribution)"),
        "url": "https://www.kogl.or.kr/info/licenseType1.do",
    },
    "cc-by-4.0": {
        "code": "cc-by-4.0",
        "name": _("Creative Commons Attribution 4.0 International"),
        "url": "https://creativecommons.org/licenses/by/4.0/",
    },
}


def current_licence() -> dict:
    return LICENCES[settings.OPENDATA_LICENCE]
