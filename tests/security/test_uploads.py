"""Upload bombs and leaks: decoded pixels capped, image work bounded, location stripped from every image.

Issue 15 point 8. Residents' photos (``proposals.photos``) and editors' Wagtail images (``original_images``)
both go through ``livinglab.images``; the memory figures under parallel uploads are in ``bench/`` and
``docs/benchmarks.md``.
"""

import io
import threading
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from PIL import Image, PngImagePlugin
from wagtail.images import get_image_model
from wagtail.images.models import Filter, SourceImageIOError
from wagtail.images.tests.utils import get_test_image_file
from wagtail.images.utils import get_allowed_image_extensions

from livinglab.images import (
    GIF_XMP_EXTENSION,
    GPS_IFD,
    IMAGE_THREAD_PREFIX,
    LOCATION_INFO_KEYS,
    MAX_PIXELS,
    image_work_slot,
)
from livinglab.wagtail_images import check_accepted_image_formats
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


# --- every format Wagtail accepts loses its location (GPS EXIF, XMP, IPTC) --------------------------------

XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="37,33.025N" '
    'exif:GPSLongitude="127,2.058E"/></rdf:RDF></x:xmpmeta>'
)
# Wagtail's extension -> the Pillow format a file with that extension must hold.
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF", "gif": "GIF"}
ACCEPTED = list(get_allowed_image_extensions())


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[Make] = "PhoneMaker"
    exif[Model] = "Phone 15"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (37.0, 33.0, 1.5), 3: "E", 4: (127.0, 2.0, 3.5)})
    return exif


def gif_with_xmp(gif: bytes, xmp: bytes) -> bytes:
    """Insert an XMP application extension (as Adobe writes it) after the GIF's header and colour table."""
    flags = gif[10]
    table = 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0
    blocks = b"".join(bytes([len(xmp[i : i + 255])]) + xmp[i : i + 255] for i in range(0, len(xmp), 255))
    start = 13 + table
    return gif[:start] + b"\x21\xff\x0b" + GIF_XMP_EXTENSION + blocks + b"\x00" + gif[start:]


def frames(count: int) -> list[Image.Image]:
    return [Image.new("RGB", (64, 48), (10 + 80 * n, 120, 200)) for n in range(count)]


def with_location(fmt: str, *, frame_count: int = 1) -> bytes:
    """A picture in ``fmt`` carrying a location everywhere that format can: GPS EXIF and XMP (or XMP only)."""
    first, *rest = frames(frame_count)
    animation = {"save_all": True, "append_images": rest, "duration": 100, "loop": 0} if rest else {}
    if fmt == "GIF":  # no EXIF in GIF; XMP in an application extension
        return gif_with_xmp(encode(first, "GIF", **animation), XMP.encode())
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_itxt("XML:com.adobe.xmp", XMP)
        return encode(first, "PNG", exif=gps_exif(), pnginfo=text, **animation)
    return encode(first, fmt, exif=gps_exif(), xmp=XMP.encode(), **animation)


def upload_to_wagtail(client, data: bytes, extension: str):
    client.force_login(AdministratorFactory(is_superuser=True))
    file = upload(data, f"shelter.{extension}", f"image/{extension}")
    return client.post(reverse("wagtailimages:add"), {"title": f"Shelter {extension}", "file": file})


def assert_location_free(data: bytes, fmt: str):
    assert b"GPSLatitude" not in data  # no XMP (or anything else) still spelling the location out
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == fmt
        assert GPS_IFD not in stored.getexif()
        assert not any(key in stored.info for key in LOCATION_INFO_KEYS)
        if fmt != "GIF":
            assert stored.getexif()[Model] == "Phone 15"  # the rest of EXIF (camera, orientation) stays
        return getattr(stored, "n_frames", 1)


def test_every_accepted_extension_has_a_location_sample():
    # A format added to WAGTAILIMAGES_EXTENSIONS needs a sample here (and stripping in livinglab.images).
    assert set(ACCEPTED) <= set(FORMATS), set(ACCEPTED) - set(FORMATS)


@pytest.mark.django_db
@pytest.mark.parametrize("extension", ACCEPTED)
def test_every_format_wagtail_accepts_loses_its_location(client, extension):
    fmt = FORMATS[extension]
    data = with_location(fmt)
    with Image.open(io.BytesIO(data)) as sample:  # the sample really carries it
        assert GPS_IFD in sample.getexif() or fmt == "GIF"
    assert XMP.encode()[-40:] in data
    response = upload_to_wagtail(client, data, extension)
    assert response.status_code == 302, response.content[:500]
    image = get_image_model().objects.get(title=f"Shelter {extension}")
    with image.file.open() as stored:
        assert_location_free(stored.read(), fmt)


@pytest.mark.django_db
@pytest.mark.parametrize("extension", ["gif", "webp"])  # Wagtail refuses animated PNG and AVIF
def test_an_animation_keeps_every_frame_when_its_location_is_stripped(client, extension):
    fmt = FORMATS[extension]
    response = upload_to_wagtail(client, with_location(fmt, frame_count=3), extension)
    assert response.status_code == 302, response.content[:500]
    with get_image_model().objects.get().file.open() as stored:
        assert assert_location_free(stored.read(), fmt) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("extension", "fmt"), [("tif", "TIFF"), ("tiff", "TIFF"), ("bmp", "BMP")])
def test_a_format_whose_location_is_not_stripped_is_refused(client, extension, fmt):
    exif = {"exif": gps_exif()} if fmt == "TIFF" else {}
    response = upload_to_wagtail(client, encode(Image.new("RGB", (64, 48)), fmt, **exif), extension)
    assert response.status_code == 200
    assert not get_image_model().objects.exists()


def test_accepting_a_format_that_cannot_be_stripped_fails_the_system_check(settings):
    assert check_accepted_image_formats() == []
    settings.WAGTAILIMAGES_EXTENSIONS = [*ACCEPTED, "heic"]
    assert [error.id for error in check_accepted_image_formats()] == ["livinglab.E001"]
    settings.WAGTAILIMAGES_EXTENSIONS = ["jpg", "tiff"]
    assert "tiff" in check_accepted_image_formats()[0].msg


# --- Wagtail's renditions run under the same image-work limit ----------------------------------------------


@pytest.fixture
def wagtail_image(db):
    return get_image_model().objects.create(title="Shelter", file=get_test_image_file(size=(320, 200)))


@contextmanager
def slot_held():
    """Another request holds the only image-work slot until the block ends."""
    held, release = threading.Event(), threading.Event()

    def hold():
        with image_work_slot():
            held.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        yield
    finally:
        release.set()
        holder.join()


def test_renditions_are_made_on_the_image_work_threads(wagtail_image, monkeypatch):
    threads = []
    get_transform = Filter.get_transform

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return get_transform(self, *args, **kwargs)

    monkeypatch.setattr(Filter, "get_transform", recording)
    wagtail_image.get_rendition("max-40x40")
    wagtail_image.get_renditions("width-20", "width-30")  # Wagtail's own three threads, each waiting for a slot
    assert len(threads) == 3
    assert all(name.startswith(IMAGE_THREAD_PREFIX) for name in threads), threads


def test_a_rendition_waits_for_a_slot_then_wagtail_shows_its_placeholder(wagtail_image, settings):
    settings.IMAGE_WORK_CONCURRENCY = 1
    settings.IMAGE_WORK_WAIT_SECONDS = 0
    tag = Template("{% load wagtailimages_tags %}{% image picture max-40x40 %}")
    with slot_held():
        with pytest.raises(SourceImageIOError):
            wagtail_image.get_rendition("max-40x40")
        html = tag.render(Context({"picture": wagtail_image}))  # the page still renders
        assert "not-found" in html
        assert not wagtail_image.renditions.exists()
    rendition = wagtail_image.get_rendition("max-40x40")  # the slot is free again
    assert (rendition.width, rendition.height) == (40, 25)
