"""Bounds for decoding uploaded images, and location stripping, shared by residents' photos and Wagtail's images.

A few kilobytes of PNG can decode to hundreds of megabytes of pixels, so every upload is capped in decoded
pixels (``MAX_PIXELS``), and image work runs in at most ``IMAGE_WORK_CONCURRENCY`` threads per process, so a
burst of parallel uploads queues instead of multiplying the worker's memory (``bench/photo_uploads.py``,
figures in ``docs/benchmarks.md``).
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
# Formats re-encoded without their location; GIF carries no EXIF, and other formats are not accepted.
LOCATION_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}

# Pillow itself refuses anything twice this size before decoding a single pixel.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@cache
def _slots(count: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(count)


@cache
def _executor(count: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="image-work")


def run_image_work(function, *args):
    """Run ``function(*args)`` on one of the process's few image threads, waiting for a free slot.

    The same few threads do all decoding, so the allocator's per-thread arenas that hold freed pixel buffers
    stay few too: with every request thread decoding for itself, a worker's memory grew with the number of
    threads that ever decoded, not with the number decoding at once (docs/benchmarks.md).
    """
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


def _has_location(image: Image.Image) -> bool:
    return GPS_IFD in image.getexif() or "xmp" in image.info or "XML:com.adobe.xmp" in image.info


def strip_location(upload):
    """Return ``upload`` without GPS EXIF or XMP (which can repeat the location); other EXIF stays.

    Files without location data are returned untouched, so an editor's image is re-encoded only when needed
    (JPEGs keep their quantisation tables, so the pixels barely change).
    """
    return run_image_work(_strip_location, upload)


def _strip_location(upload):
    upload.seek(0)
    try:
        opened = Image.open(upload)
    except UnidentifiedImageError:
        # Not a picture Pillow reads, so no EXIF to strip; the upload's own validation decides about it.
        upload.seek(0)
        return upload
    with opened as image:
        if image.format not in LOCATION_FORMATS or not _has_location(image):
            upload.seek(0)
            return upload
        exif = image.getexif()
        exif.pop(GPS_IFD, None)
        output = io.BytesIO()
        target = LOCATION_FORMATS[image.format]
        # The orientation tag stays in the EXIF, so the pixels need no turning here.
        options = {"JPEG": {"quality": "keep"}, "WEBP": {"quality": 90}}.get(target, {})
        image.save(output, format=target, exif=exif.tobytes(), **options)
    return ContentFile(output.getvalue(), name=upload.name)
