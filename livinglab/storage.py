"""Media storage that strips location data from every image it is given, before the bytes reach the disk.

Wagtail's admin writes an editor's upload to ``original_images/`` through several paths (the image form, the
multiple uploader, its "uploaded image" staging, the chooser); stripping here covers them all, and any later
one, at the one place they share.
"""

from django.core.files.storage import FileSystemStorage
from PIL import Image

from .images import LOCATION_FORMATS, strip_location

# Every file name Pillow gives to an accepted format (.jpg, .jpeg, .jfif, .png, .apng, .webp, .avif, .gif, ...).
IMAGE_SUFFIXES = tuple(
    sorted(suffix for suffix, fmt in Image.registered_extensions().items() if fmt in LOCATION_FORMATS)
)


class LocationFreeFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` whose saved images carry no GPS EXIF or XMP."""

    def save(self, name, content, max_length=None):
        if name and name.lower().endswith(IMAGE_SUFFIXES):
            content = strip_location(content)
        return super().save(name, content, max_length=max_length)
