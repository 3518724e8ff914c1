"""Photo uploads: only plain JPEG/PNG/WebP pixels get through, re-encoded without metadata."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from proposals.photos import MAX_BYTES, process_photo


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (320, 200), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (37.0, 33.0, 1.5)
    gps[3] = "E"
    gps[4] = (127.0, 2.0, 3.5)
    return encode(image, "JPEG", exif=exif)


def reopen(content_file) -> Image.Image:
    content_file.seek(0)
    return Image.open(io.BytesIO(content_file.read()))


def test_jpeg_with_gps_is_reencoded_without_exif():
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the input really carries GPS
    image, thumbnail, width, height = process_photo(upload(data))
    output = reopen(image)
    assert output.format == "JPEG"
    assert (width, height) == (320, 200)
    assert not output.getexif()
    assert "exif" not in output.info
    image.seek(0)
    raw = image.read()
    assert b"PhoneMaker" not in raw
    assert b"Exif" not in raw


def test_orientation_is_applied_before_exif_is_dropped():
    image = Image.new("RGB", (300, 100), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    result, _thumb, width, height = process_photo(upload(encode(image, "JPEG", exif=exif)))
    assert (width, height) == (100, 300)


def test_png_is_accepted_and_thumbnailed():
    data = encode(Image.new("RGB", (1200, 900), (0, 200, 0)), "PNG")
    image, thumbnail, width, height = process_photo(upload(data, "garden.png", "image/png"))
    assert (width, height) == (1200, 900)
    assert reopen(image).format == "JPEG"
    assert reopen(thumbnail).size == (480, 360)
    assert thumbnail.name.endswith("-thumb.jpg")


def test_transparent_png_becomes_webp():
    data = encode(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG")
    image, thumbnail, _w, _h = process_photo(upload(data, "logo.png", "image/png"))
    assert reopen(image).format == "WEBP"
    assert image.name.endswith(".webp")


def test_webp_is_accepted():
    data = encode(Image.new("RGB", (64, 64), (1, 2, 3)), "WEBP")
    _image, _thumb, width, height = process_photo(upload(data, "a.webp", "image/webp"))
    assert (width, height) == (64, 64)


def test_text_file_renamed_jpg_is_refused():
    with pytest.raises(ValidationError) as error:
        process_photo(upload(b"just some notes, not a picture at all\n" * 20, "notes.jpg"))
    assert "not a photo we can read" in error.value.messages[0]


def test_gif_is_refused():
    data = encode(Image.new("P", (20, 20)), "GIF")
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "anim.gif", "image/gif"))
    assert "Only JPEG, PNG and WebP" in error.value.messages[0]


def test_too_wide_image_is_refused():
    data = encode(Image.new("L", (9000, 10)), "PNG")
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "wide.png", "image/png"))
    assert "9000 × 10" in error.value.messages[0]
    assert "8,000" in error.value.messages[0]


def test_decompression_bomb_is_refused():
    # 20000 x 20000 one-bit pixels compress to a few kilobytes and would need 400 megapixels decoded.
    data = encode(Image.new("1", (20000, 20000)), "PNG", optimize=True)
    assert len(data) < 200_000
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "bomb.png", "image/png"))
    assert error.value.code in ("photo_too_wide", "photo_too_many_pixels")


def test_bomb_within_side_limit_is_refused_by_pixel_count():
    data = encode(Image.new("1", (7000, 7000)), "PNG", optimize=True)
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "bomb.png", "image/png"))
    assert error.value.code == "photo_too_many_pixels"


def test_jpeg_html_polyglot_is_refused():
    data = encode(Image.new("RGB", (40, 40), (9, 9, 9)), "JPEG") + b"<html><script>alert(document.cookie)</script>"
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "innocent.jpg"))
    assert error.value.code == "photo_polyglot"


def test_jpeg_zip_polyglot_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "hidden")
    data = encode(Image.new("RGB", (40, 40)), "JPEG") + archive.getvalue()
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data))
    assert error.value.code == "photo_polyglot"


def test_trailing_bytes_never_survive_reencoding():
    # Trailing data that is not recognisable code is tolerated (cameras append their own), but re-encoding
    # drops it: the stored file holds only the decoded pixels.
    data = encode(Image.new("RGB", (40, 40), (9, 9, 9)), "JPEG") + b"TRAILER-PAYLOAD-1234"
    image, thumbnail, _w, _h = process_photo(upload(data))
    image.seek(0)
    thumbnail.seek(0)
    assert b"TRAILER-PAYLOAD" not in image.read()
    assert b"TRAILER-PAYLOAD" not in thumbnail.read()


def test_truncated_jpeg_is_refused():
    data = encode(Image.new("RGB", (400, 400), (50, 60, 70)), "JPEG")
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data[: len(data) // 2]))
    assert error.value.code == "photo_invalid"


def test_oversized_file_is_refused_before_decoding():
    big = upload(b"\xff\xd8" + b"0" * (MAX_BYTES + 1))
    with pytest.raises(ValidationError) as error:
        process_photo(big)
    assert "8 MB" in error.value.messages[0]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError):
        process_photo(upload(b""))


def test_multi_picture_jpeg_from_phones_is_accepted():
    first = Image.new("RGB", (80, 60), (200, 200, 0))
    second = Image.new("RGB", (80, 60), (0, 0, 0))
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    image, _thumb, width, height = process_photo(upload(data))
    assert (width, height) == (80, 60)
    assert reopen(image).format == "JPEG"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_get_a_format_message(fmt):
    data = encode(Image.new("RGB", (20, 20)), fmt)
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, f"scan.{fmt.lower()}"))
    assert error.value.code == "photo_format"
