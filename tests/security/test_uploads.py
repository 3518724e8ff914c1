"""Upload bombs and leaks: decoded pixels capped, image work bounded, location stripped from every image.

Issue 15 point 8. Residents' photos (``proposals.photos``) and editors' Wagtail images (``original_images``)
both go through ``livinglab.images``; the memory figures under parallel uploads are in ``bench/`` and
``docs/benchmarks.md``.
"""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model

from livinglab.images import GPS_IFD, MAX_PIXELS, image_work_slot
from proposals.photos import STORED_SIDE, process_photo
from tests.factories import AdministratorFactory

Make, Model = 0x010F, 0x0110


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def with_gps(fmt: str, size=(320, 200)) -> bytes:
    exif = Image.Exif()
    exif[Make] = "PhoneMaker"
    exif[Model] = "Phone 15"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (37.0, 33.0, 1.5), 3: "E", 4: (127.0, 2.0, 3.5)})
    return encode(Image.new("RGB", size, (10, 120, 200)), fmt, exif=exif)


def upload(data: bytes, name: str, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def one_bit_png(width: int, height: int) -> bytes:
    return encode(Image.new("1", (width, height)), "PNG", optimize=True)


def test_the_reported_6300_square_png_is_refused_before_decoding():
    data = one_bit_png(6300, 6300)
    assert len(data) < 10_000  # a few kilobytes that would decode to 40 megapixels
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "bomb.png", "image/png"))
    assert error.value.code == "photo_too_many_pixels"


def test_a_photo_at_the_pixel_cap_is_accepted_and_stored_smaller():
    side = int(MAX_PIXELS**0.5) - 1
    data = encode(Image.new("RGB", (side, side), (200, 30, 30)), "JPEG", quality=30)
    image, _thumbnail, width, height = process_photo(upload(data, "big.jpg", "image/jpeg"))
    assert max(width, height) <= STORED_SIDE
    image.seek(0)
    assert max(Image.open(image).size) <= STORED_SIDE


def test_image_work_waits_for_a_slot_then_refuses(settings):
    settings.IMAGE_WORK_CONCURRENCY = 1
    settings.IMAGE_WORK_WAIT_SECONDS = 0
    data = encode(Image.new("RGB", (40, 40)), "JPEG")
    held, release = threading.Event(), threading.Event()

    def hold():
        with image_work_slot():
            held.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait()
        with pytest.raises(ValidationError) as error:
            process_photo(upload(data, "wait.jpg", "image/jpeg"))
        assert error.value.code == "photo_busy"
    finally:
        release.set()
        holder.join()
    assert process_photo(upload(data, "later.jpg", "image/jpeg"))  # the slot is free again


@pytest.mark.parametrize(("fmt", "suffix"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_media_storage_strips_gps_and_keeps_other_exif(fmt, suffix):
    data = with_gps(fmt)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    name = default_storage.save(f"original_images/photo.{suffix}", SimpleUploadedFile(f"photo.{suffix}", data))
    with default_storage.open(name) as stored:
        exif = Image.open(stored).getexif()
    assert GPS_IFD not in exif
    assert exif[Model] == "Phone 15"


def test_media_storage_leaves_images_without_location_untouched():
    data = encode(Image.new("RGB", (30, 30), (1, 2, 3)), "JPEG")
    name = default_storage.save("original_images/plain.jpg", SimpleUploadedFile("plain.jpg", data))
    with default_storage.open(name) as stored:
        assert stored.read() == data


@pytest.mark.django_db
def test_an_editors_wagtail_image_upload_loses_its_location(client):
    client.force_login(AdministratorFactory(is_superuser=True))
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Shelter", "file": upload(with_gps("JPEG"), "shelter.jpg", "image/jpeg")},
    )
    assert response.status_code == 302, response.content[:500]
    image = get_image_model().objects.get(title="Shelter")
    assert image.file.name.startswith("original_images/")
    with image.file.open() as stored:
        assert GPS_IFD not in Image.open(stored).getexif()


@pytest.mark.django_db
def test_an_editors_oversized_wagtail_image_is_refused(client):
    client.force_login(AdministratorFactory(is_superuser=True))
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Bomb", "file": upload(one_bit_png(6300, 6300), "bomb.png", "image/png")},
    )
    assert response.status_code == 200
    assert not get_image_model().objects.filter(title="Bomb").exists()
