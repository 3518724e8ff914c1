"""Images stored before media storage stripped locations on save lose them with one command (`strip_image_locations`)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from livinglab.images import GPS_IFD
from tests.security.test_uploads import Model, encode, with_gps


def write(relative: str, data: bytes) -> Path:
    """As an older release stored it: straight to the disk, past today's storage."""
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("strip_image_locations", *args, stdout=out)
    return out.getvalue()


def test_stored_images_with_a_location_are_rewritten_without_it_and_the_rest_are_left_alone():
    photo = write("proposal_photos/2025/05/old.jpg", with_gps("JPEG"))
    rendition = write("images/old.fill-300x200.png", with_gps("PNG"))
    plain_bytes = encode(Image.new("RGB", (20, 20), (1, 2, 3)), "JPEG")
    plain = write("original_images/plain.jpg", plain_bytes)
    broken = write("original_images/broken.jpg", b"not a picture")
    notes = write("documents/gps.txt", b"37.55, 127.04")
    before = photo.read_bytes()

    listed = run("--dry-run")
    assert "carries a location: proposal_photos/2025/05/old.jpg" in listed
    assert "carries a location: images/old.fill-300x200.png" in listed
    assert "Checked 4 images, would strip 2." in listed
    assert photo.read_bytes() == before  # a dry run changes nothing

    assert "Checked 4 images, stripped 2." in run()
    for path in (photo, rendition):
        with Image.open(path) as image:
            exif = image.getexif()
            assert GPS_IFD not in exif
            assert exif[Model] == "Phone 15"  # other EXIF stays
            assert image.size == (320, 200)
    assert plain.read_bytes() == plain_bytes
    assert broken.read_bytes() == b"not a picture"
    assert notes.read_bytes() == b"37.55, 127.04"
    assert not list(Path(settings.MEDIA_ROOT).rglob(".strip-*"))  # no temporary file left behind

    assert "Checked 4 images, stripped 0." in run()  # nothing left to do


def test_an_empty_media_storage_is_fine():
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    assert "Checked 0 images, stripped 0." in run()


def test_a_storage_without_local_paths_is_refused_with_a_message(monkeypatch):
    write("images/old.jpg", with_gps("JPEG"))

    def no_path(name):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    monkeypatch.setattr(default_storage, "path", no_path)
    with pytest.raises(CommandError, match="cannot be rewritten in place"):
        run()
