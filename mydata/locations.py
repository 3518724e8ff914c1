"""Location data in images stored before media storage stripped it on save (``livinglab.storage``).

Since then every image written to media loses its GPS EXIF, XMP and IPTC on the way in; images written earlier
(residents' photos before re-encoding, editors' originals and renditions) may still carry where they were taken.
``manage.py strip_image_locations`` walks the media storage once and rewrites those files in place.
"""

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from livinglab.images import strip_location
from livinglab.storage import IMAGE_SUFFIXES


@dataclass
class Report:
    checked: int = 0
    stripped: list[str] = field(default_factory=list)


def stored_images(storage, directory: str = "") -> Iterator[str]:
    directories, files = storage.listdir(directory)
    for name in sorted(files):
        if name.lower().endswith(IMAGE_SUFFIXES):
            yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from stored_images(storage, f"{directory}/{sub}" if directory else sub)


def strip_stored_locations(*, dry_run: bool = False, storage=default_storage) -> Report:
    """Rewrite every stored image that carries location data, each atomically (a new file renamed over the old),
    so a crash leaves either the old file or the stripped one, never half of one."""
    report = Report()
    for name in stored_images(storage):
        report.checked += 1
        with storage.open(name) as stored:
            original = ContentFile(stored.read(), name=name)
        stripped = strip_location(original)
        if stripped is original:
            continue
        report.stripped.append(name)
        if not dry_run:
            _replace(storage.path(name), stripped.read())
    return report


def _replace(path: str, data: bytes) -> None:
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".strip-")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        os.chmod(temporary, os.stat(path).st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
