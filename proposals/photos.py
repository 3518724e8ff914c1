"""Checking and re-encoding residents' photos so that only pixels reach our storage.

Every upload is identified by its content (never by its name), verified, fully decoded and written out
again as a fresh JPEG (or WebP when it has transparency). Re-encoding drops EXIF (including GPS), text
chunks and anything appended after the image data, so polyglot payloads never reach a browser.
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from livinglab.images import MAX_PIXELS, run_image_work

# How many photos one proposal carries, checked by the form (for the resident) and the service (for all).
MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 8000
# Stored photos keep at most this many pixels on their longest side (a phone screen needs ~1,300). JPEGs are
# decoded straight at a reduced scale (Image.draft), so a 24 Mpx photo never occupies 24 Mpx of memory.
STORED_SIDE = 2560
# Pillow names multi-picture JPEGs (many phone cameras write them) "MPO"; they are JPEGs all the same.
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
# Only these decoders ever see an upload, so no other Pillow plugin parses hostile bytes.
DECODERS = ["JPEG", "PNG", "WEBP"]
# Other picture formats, recognised by their first bytes, get a clearer refusal than "not a photo".
OTHER_IMAGE_SIGNATURES = (b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00", b"8BPS")
THUMBNAIL_SIDE = 480
JPEG_QUALITY = 85
# Markers of a second file hidden in the bytes: markup or script for browsers, PHP for servers.
EMBEDDED_CODE_MARKERS = (b"<script", b"<html", b"<!doctype", b"<?php", b"<svg", b"<iframe", b"<body")
ZIP_END_OF_DIRECTORY = b"PK\x05\x06"


def _read(uploaded_file) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB. Please choose a smaller one."), code="photo_too_big")
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB. Please choose a smaller one."), code="photo_too_big")
    if not data:
        raise ValidationError(_("The photo file is empty."), code="photo_empty")
    return data


def _refuse_embedded_content(data: bytes) -> None:
    lowered = data.lower()
    # A ZIP's directory record sits within its last 64 KB; only look there, where a JPEG+ZIP polyglot puts it.
    if any(marker in lowered for marker in EMBEDDED_CODE_MARKERS) or ZIP_END_OF_DIRECTORY in data[-66_000:]:
        raise ValidationError(
            _(
                "This file contains something other than a picture (hidden code or an archive). Please upload a plain photo."
            ),
            code="photo_polyglot",
        )


def _open_checked(data: bytes) -> Image.Image:
    """Open, check the header, verify the structure, then re-open and decode every pixel."""
    not_an_image = ValidationError(
        _("This file is not a photo we can read. Please upload a JPEG, PNG or WebP image."), code="photo_invalid"
    )
    too_many_pixels = ValidationError(
        _("The photo has too many pixels. Please upload a photo of at most 24 megapixels."),
        code="photo_too_many_pixels",
    )
    with warnings.catch_warnings():
        # Pillow warns (rather than fails) at moderate sizes; treat its bomb warning as the refusal it is.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=DECODERS) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        _("Only JPEG, PNG and WebP photos are accepted."),
                        code="photo_format",
                    )
                width, height = probe.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise ValidationError(
                        _("The photo is %(width)s × %(height)s pixels; at most 8,000 pixels on each side are allowed.")
                        % {"width": width, "height": height},
                        code="photo_too_wide",
                    )
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise too_many_pixels
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=DECODERS)
            if image.format not in ALLOWED_FORMATS or image.size != (width, height):
                raise not_an_image
            if image.format in ("JPEG", "MPO"):
                # DCT scaling: decode at 1/2, 1/4 or 1/8 when that still covers STORED_SIDE.
                image.draft("RGB", (STORED_SIDE, STORED_SIDE))
            image.load()
            # PNG and WebP decode in full (at most MAX_PIXELS); shrink at once so later copies stay small.
            image.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except UnidentifiedImageError:
            if data.startswith(OTHER_IMAGE_SIGNATURES) or data[4:12] in (
                b"ftypheic",
                b"ftypheix",
                b"ftypmif1",
                b"ftypavif",
            ):
                raise ValidationError(_("Only JPEG, PNG and WebP photos are accepted."), code="photo_format") from None
            raise not_an_image from None
        except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, MemoryError):
            raise not_an_image from None
    return image


def _encode(image: Image.Image) -> tuple[bytes, str]:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    buffer = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(buffer, format="WEBP", quality=JPEG_QUALITY, method=4)
        return buffer.getvalue(), "webp"
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue(), "jpg"


def process_photo(uploaded_file) -> tuple[ContentFile, ContentFile, int, int]:
    """Check one uploaded photo and return ``(image, thumbnail, width, height)`` ready for ``ProposalPhoto``.

    Raises ``ValidationError`` with a message a resident understands for anything that is not a plain
    JPEG, PNG or WebP photo of at most 8 MB, 8,000 pixels per side and 24 megapixels. Decoding and encoding
    hold one of the process's image-work slots (``livinglab.images``).
    """
    data = _read(uploaded_file)
    _refuse_embedded_content(data)
    return run_image_work(_decode_and_encode, data)


def _decode_and_encode(data: bytes) -> tuple[ContentFile, ContentFile, int, int]:
    image = _open_checked(data)
    try:
        # Honour the camera's orientation before the EXIF that carries it is dropped.
        image = ImageOps.exif_transpose(image)
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        full, extension = _encode(image)
        thumbnail = image.copy()
        thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        small, _extension = _encode(thumbnail)
    except (OSError, ValueError, SyntaxError, TypeError) as exc:
        raise ValidationError(
            _("This photo could not be processed. Please try another JPEG, PNG or WebP image."), code="photo_invalid"
        ) from exc
    width, height = image.size
    name = uuid.uuid4().hex
    return (
        ContentFile(full, name=f"{name}.{extension}"),
        ContentFile(small, name=f"{name}-thumb.{extension}"),
        width,
        height,
    )
