"""Bounds for decoding uploaded images, and location stripping, shared by residents' photos and Wagtail's images.

A few kilobytes of PNG can decode to hundreds of megabytes of pixels, so every upload is capped in decoded
pixels (``MAX_PIXELS``), and image work (uploads, location stripping, and Wagtail's renditions) runs in at most
``IMAGE_WORK_CONCURRENCY`` threads per process, so a burst of parallel uploads or of thumbnails queues instead
of multiplying the worker's memory (``bench/photo_uploads.py``, figures in ``docs/benchmarks.md``).

Editors' images are accepted only in formats whose location data this module strips by re-encoding
(``LOCATION_FORMATS``; ``livinglab/wagtail_images.py`` checks Wagtail's list against it).
"""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

# 24 megapixels: more than any phone photo a resident sends (12-20 Mpx), far less than a decompression bomb.
MAX_PIXELS = 24_000_000
GPS_IFD = 0x8825
# Every format an upload may be in (Wagtail's WAGTAILIMAGES_EXTENSIONS, residents' photos), and the format it is
# re-encoded to when it carries location data. Multi-picture JPEGs keep their first picture.
LOCATION_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "AVIF": "AVIF", "GIF": "GIF"}
# Pillow's decoders for them (its JPEG decoder opens multi-picture JPEGs as "MPO").
LOCATION_DECODERS = ["JPEG", "PNG", "WEBP", "AVIF", "GIF"]
# Metadata that holds (or can repeat) a location besides EXIF's GPS directory: XMP in every format, IPTC in
# JPEG (Pillow's "photoshop"), and the raw EXIF/XMP/IPTC profiles ImageMagick writes into PNG text chunks.
LOCATION_INFO_KEYS = (
    "xmp",
    "XML:com.adobe.xmp",
    "photoshop",
    "Raw profile type exif",
    "Raw profile type APP1",
    "Raw profile type xmp",
    "Raw profile type iptc",
)
# Pillow does not read a GIF's XMP application extension (it drops it when writing): find it by its name.
GIF_XMP_EXTENSION = b"XMP DataXMP"

# Pillow itself refuses anything twice this size before decoding a single pixel.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@cache
def _slots(count: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(count)


IMAGE_THREAD_PREFIX = "image-work"


@cache
def _executor(count: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix=IMAGE_THREAD_PREFIX)


def run_image_work(function, *args):
    """Run ``function(*args)`` on one of the process's few image threads, waiting for a free slot.

    The same few threads do all decoding, so the allocator's per-thread arenas that hold freed pixel buffers
    stay few too: with every request thread decoding for itself, a worker's memory grew with the number of
    threads that ever decoded, not with the number decoding at once (docs/benchmarks.md). Work started from
    an image thread runs there at once: it already holds a slot, and waiting for another could deadlock.
    """
    if threading.current_thread().name.startswith(IMAGE_THREAD_PREFIX):
        return function(*args)
    count = max(1, settings.IMAGE_WORK_CONCURRENCY)
    with image_work_slot():
        return _executor(count).submit(function, *args).result()


@contextmanager
def image_work_slot():
    """Hold one of the process's image-work slots; a resident waits, then gets a clear refusal."""
    slots = _slots(max(1, settings.IMAGE_WORK_CONCURRENCY))
    if not slots.acquire(timeout=settings.IMAGE_WORK_WAIT_SECONDS):
        raise ValidationError(
            _("Many photos are being processed right now. Please try again in a minute."), code="photo_busy"
        )
    try:
        yield
    finally:
        slots.release()


def _has_location(image: Image.Image, data: bytes) -> bool:
    if image.format == "GIF":
        return GIF_XMP_EXTENSION in data
    return GPS_IFD in image.getexif() or any(key in image.info for key in LOCATION_INFO_KEYS)


def strip_location(upload):
    """Return ``upload`` without GPS EXIF, XMP or IPTC (which can repeat the location); other EXIF stays.

    Files without location data are returned untouched, so an editor's image is re-encoded only when needed
    (JPEGs keep their quantisation tables, so the pixels barely change; animations keep every frame).
    """
    return run_image_work(_strip_location, upload)


def _strip_location(upload):
    upload.seek(0)
    data = upload.read()
    try:
        # Only the decoders of the formats handled here ever parse the bytes.
        opened = Image.open(io.BytesIO(data), formats=LOCATION_DECODERS)
    except UnidentifiedImageError:
        # Not a picture in an accepted format, so nothing to strip; the upload's own validation decides about it.
        upload.seek(0)
        return upload
    with opened as image:
        if not _has_location(image, data):
            upload.seek(0)
            return upload
        exif = image.getexif()
        exif.pop(GPS_IFD, None)
        output = io.BytesIO()
        target = LOCATION_FORMATS[image.format]
        # The orientation tag stays in the EXIF, so the pixels need no turning here.
        options = {"JPEG": {"quality": "keep"}, "WEBP": {"quality": 90}, "AVIF": {"quality": 90}}.get(target, {})
        if exif:
            options["exif"] = exif.tobytes()
        if getattr(image, "is_animated", False) and target in Image.SAVE_ALL:
            options["save_all"] = True
        image.save(output, format=target, **options)
    return ContentFile(output.getvalue(), name=upload.name)
