"""Editors' Wagtail images under the rules residents' photos follow (``livinglab.images``).

Two seams Wagtail offers no setting for, wired from ``HomeConfig.ready``:

- the formats Wagtail accepts (``WAGTAILIMAGES_EXTENSIONS``) must all be formats whose location data the media
  storage strips: the system check ``livinglab.E001`` refuses HEIC, TIFF or any other before it can be cleaned;
- Wagtail decodes and encodes every rendition (admin thumbnails, each ``{% image %}``) in ``Filter.run``, in
  the request's own thread (three at once in ``create_renditions``), outside any limit: the one method is
  wrapped so that it runs on the image-work threads, as ``livinglab.spreadsheets`` wraps Wagtail's exports.
"""

import functools

from django.core import checks
from django.core.exceptions import ValidationError
from wagtail.images.models import Filter, SourceImageIOError
from wagtail.images.utils import get_allowed_image_extensions

from .images import LOCATION_FORMATS, run_image_work

# Wagtail's extension names and the Pillow format each must be (Wagtail refuses a file whose content differs).
EXTENSION_FORMATS = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "avif": "AVIF",
    "gif": "GIF",
    "heic": "HEIF",
    "tif": "TIFF",
    "tiff": "TIFF",
    "bmp": "BMP",
    "ico": "ICO",
    "svg": "SVG",
}


def check_accepted_image_formats(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every image format Wagtail accepts must be one whose location data ``strip_location`` removes."""
    unsupported = [
        extension
        for extension in get_allowed_image_extensions()
        if EXTENSION_FORMATS.get(extension.lower()) not in LOCATION_FORMATS
    ]
    if not unsupported:
        return []
    return [
        checks.Error(
            f"WAGTAILIMAGES_EXTENSIONS accepts {', '.join(unsupported)}, whose location data is not stripped.",
            hint="Accept only formats livinglab.images re-encodes (LOCATION_FORMATS), or add the format there first.",
            id="livinglab.E001",
        )
    ]


def _run_in_image_work(run):
    @functools.wraps(run)
    def bounded_run(self, image, output, source=None):
        try:
            return run_image_work(run, self, image, output, source)
        except ValidationError as exc:
            if exc.code != "photo_busy":
                raise
            # No slot in time: Wagtail shows its "missing image" placeholder (template tag and admin alike) and
            # stores nothing, so a later request renders the thumbnail; the page itself still answers.
            raise SourceImageIOError(f"No free image-work slot for image {image.pk}") from exc

    bounded_run.livinglab_bounded = True
    return bounded_run


def bound_wagtail_renditions() -> None:
    """Make Wagtail's renditions decode and encode under the image-work limit. Idempotent."""
    if not getattr(Filter.run, "livinglab_bounded", False):
        Filter.run = _run_in_image_work(Filter.run)
