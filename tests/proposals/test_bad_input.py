"""Issue 3, point 11: every kind of bad input gets a 4xx with a clear message and leaves nothing half-saved."""

import io
import os
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from proposals.models import Comment, Proposal, ProposalPhoto, Report, Vote
from tests.factories import CategoryFactory, CommentFactory, DongFactory, ProposalFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("proposals:create")


def image_bytes(fmt="JPEG", size=(64, 48), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 0).save(buffer, format=fmt)
    return buffer.getvalue()


def png_bomb(width=20_000, height=20_000) -> bytes:
    """A tiny PNG whose header claims 400 megapixels: zlib squeezes the all-zero rows to almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


UPLOADS = {
    "text file named .jpg": ("notes.jpg", b"just some text, not a picture", "image/jpeg"),
    "declared as text": ("lamp.jpg", image_bytes(), "text/plain"),
    "html claiming to be png": ("page.png", b"<html><script>alert(1)</script></html>", "image/png"),
    "jpeg with script appended": ("poly.jpg", image_bytes() + b"<script>alert(1)</script>", "image/jpeg"),
    "jpeg with zip appended": ("poly.jpg", image_bytes() + b"PK\x05\x06" + b"\x00" * 18, "image/jpeg"),
    "gif": ("anim.gif", image_bytes("GIF", mode="P"), "image/jpeg"),
    "svg": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/webp"),
    "decompression bomb": ("bomb.png", png_bomb(), "image/png"),
    "too wide": ("wide.png", image_bytes("PNG", size=(8_001, 2), mode="1"), "image/png"),
    "truncated jpeg": ("cut.jpg", image_bytes()[:200], "image/jpeg"),
    "empty": ("empty.jpg", b"", "image/jpeg"),
}


@pytest.fixture
def choices(db):
    return {"category": CategoryFactory(), "area": DongFactory()}


def form_data(choices, **overrides):
    data = {
        "title": "Broken street light on Wangsimni-ro",
        "description": "The light at the corner of the market has been out for two weeks.",
        "category": choices["category"].pk,
        "area": choices["area"].pk,
        "latitude": "",
        "longitude": "",
    }
    data.update(overrides)
    return data


def assert_nothing_saved(settings):
    assert not Proposal.objects.exists()
    assert not ProposalPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not os.path.exists(media) or not any(files for _root, _dirs, files in os.walk(media))


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("title", "<script>alert(1)</script> lamp", "HTML is not allowed"),
        ("title", "Lamp <b>broken</b> again", "HTML is not allowed"),
        ("description", "Look: <img src=x onerror=alert(1)> it is broken for weeks", "HTML is not allowed"),
        ("description", "Details are [here](javascript:alert(1)) for everyone", "Links must start with"),
        ("description", "Details are [here](data:text/html;base64,PHNjcmlwdD4=) now", "Links must start with"),
        ("description", "Details [here][1] for all.\n\n[1]: javascript:alert(1)", "Links must start with"),
        ("title", "x" * 141, "at most 140 characters"),
        ("title", "Lamp", "at least 5 characters"),
        ("title", "", "This field is required"),
        ("description", "y" * 5001, "at most 5000 characters"),
        ("description", "Too short", "at least 20 characters"),
        ("category", "999999", "Select a valid choice"),
        ("category", "abc", "Select a valid choice"),
        ("area", "999999", "Select a valid choice"),
    ],
)
def test_bad_text_fields_are_refused(client, resident, choices, settings, field, value, message):
    client.force_login(resident)
    response = client.post(CREATE, form_data(choices, **{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html and 'id="error-summary"' in html
    # What the resident typed comes back escaped, never as live markup.
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert_nothing_saved(settings)


def test_a_district_is_not_a_neighbourhood(client, resident, choices, settings):
    client.force_login(resident)
    district = choices["area"].parent
    response = client.post(CREATE, form_data(choices, area=district.pk))
    assert response.status_code == 400
    assert_nothing_saved(settings)


@pytest.mark.parametrize(
    "latitude,longitude,message",
    [
        ("nan", "127.03", "Enter a number"),
        ("NaN", "NaN", "Enter a number"),
        ("inf", "127.03", "Enter a number"),
        ("37.55", "-Infinity", "Enter a number"),
        ("1e999", "127.03", "Enter a number"),
        ("37.55abc", "127.03", "Enter a number"),
        ("0", "0", "outside the district"),
        ("37.55", "200", "outside the district"),
        ("-37.55", "127.03", "outside the district"),
        ("37.55", "", "Give both latitude and longitude"),
        ("", "127.03", "Give both latitude and longitude"),
    ],
)
def test_bad_coordinates_are_refused(client, resident, choices, settings, latitude, longitude, message):
    client.force_login(resident)
    response = client.post(CREATE, form_data(choices, latitude=latitude, longitude=longitude))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert_nothing_saved(settings)


@pytest.mark.parametrize("case", list(UPLOADS))
def test_bad_uploads_are_refused_with_a_form_error(client, resident, choices, settings, case):
    name, content, content_type = UPLOADS[case]
    client.force_login(resident)
    data = form_data(choices)
    data["photos"] = [
        SimpleUploadedFile("good.jpg", image_bytes(), "image/jpeg"),
        SimpleUploadedFile(name, content, content_type),
    ]
    response = client.post(CREATE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'href="#id_photos">Photos:' in html
    assert_nothing_saved(settings)


def test_oversized_photo_is_refused(client, resident, choices, settings):
    client.force_login(resident)
    big = SimpleUploadedFile("huge.jpg", image_bytes() + b"\x00" * (8 * 1024 * 1024), "image/jpeg")
    response = client.post(CREATE, {**form_data(choices), "photos": [big]})
    assert response.status_code == 400
    assert "larger than 8 MB" in response.content.decode()
    assert_nothing_saved(settings)


def test_form_flood_gets_a_clean_400_page(client, resident, choices, settings):
    client.force_login(resident)
    data = form_data(choices)
    data.update({f"extra{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    response = client.post(CREATE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not accept that request" in html and "Nothing was saved" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert_nothing_saved(settings)


def test_oversized_body_gets_a_clean_400_page(client, resident, settings):
    proposal = ProposalFactory()
    client.force_login(resident)
    body = "z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": body})
    assert response.status_code == 400
    assert "We could not accept that request" in response.content.decode()
    assert not Comment.objects.exists()


def test_plain_text_with_angle_brackets_is_kept_and_escaped(client, resident, choices):
    client.force_login(resident)
    title = "Speed < 30 & safety > speed"
    response = client.post(
        CREATE, form_data(choices, title=title, description="Cars drive at 60 where kids cross; 30 > 60 & always.")
    )
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "Speed &lt; 30 &amp; safety &gt; speed" in html
    assert "30 &gt; 60 &amp; always." in html


@pytest.mark.parametrize(
    "url",
    [
        "/proposals/abc/",
        "/proposals/1e3/",
        "/proposals/0x10/edit/",
        "/proposals/%3Cscript%3E/vote/",
        "/proposals/1;DROP/comments/",
        "/proposals/comments/abc/report/",
        "/proposals/comments/-1/official/",
        "/proposals/%20/fragments/vote/",
    ],
)
def test_non_numeric_ids_are_404(client, resident, url):
    client.force_login(resident)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_missing_csrf_token_is_refused_everywhere(resident, choices, settings):
    proposal = ProposalFactory()
    comment = CommentFactory(proposal=proposal)
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    posts = [
        (CREATE, form_data(choices, title="A proposal without a token")),
        (reverse("proposals:vote", args=[proposal.pk]), {}),
        (reverse("proposals:comment", args=[proposal.pk]), {"body": "No token here"}),
        (reverse("proposals:report", args=[proposal.pk]), {"reason": "No token"}),
        (reverse("proposals:comment_report", args=[comment.pk]), {"reason": "No token"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "security token" in response.content.decode()
    assert Proposal.objects.count() == 1
    assert not Vote.objects.exists() and Comment.objects.count() == 1 and not Report.objects.exists()


def test_htmx_without_csrf_header_is_refused(resident):
    proposal = ProposalFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    response = client.post(reverse("proposals:vote", args=[proposal.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not Vote.objects.exists()
