"""Uploads an editor sends that are not what they claim are refused, and nothing is kept.

Each bad file goes through the admin's two ways in, as an editor's browser sends it: the
add-image form and the multiple-upload endpoint (the drag-and-drop page). The refusal
must say why, and leave no Image, no pending upload and no file in MEDIA_ROOT behind.
"""

import io
import struct
import zlib

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import UploadedFile

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()


def picture(image_format, size=(40, 30)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(buffer, image_format)
    return buffer.getvalue()


def png_declaring(width, height):
    """A valid PNG of a few dozen bytes whose header says width x height (one bit per
    pixel): decoding it would take width x height bits of memory."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
ELEVEN_MEGABYTES = picture("PNG") + b"\x00" * (11 * 1024 * 1024)

NOT_AN_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)
BAD_FILES = {
    "text named .png": ("notes.png", b"Minutes of the meeting.\n", NOT_AN_IMAGE),
    # Willow reads markup as SVG: refused as the wrong format.
    "HTML named .png": (
        "page.png",
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "Not a valid .png image. The extension does not match the file format (svg)",
    ),
    "SVG with a script named .png": (
        "logo.png",
        SVG_WITH_SCRIPT,
        "Not a valid .png image. The extension does not match the file format (svg)",
    ),
    "SVG with a script as itself": (
        "logo.svg",
        SVG_WITH_SCRIPT,
        "Not a supported image format. Supported formats: AVIF, GIF, JPG, JPEG, PNG, WEBP.",
    ),
    "GIF named .jpg": (
        "photo.jpg",
        picture("GIF"),
        "Not a valid .jpeg image. The extension does not match the file format (gif)",
    ),
    "PNG declaring 50,000 x 50,000 pixels": (
        "bomb.png",
        png_declaring(50_000, 50_000),
        "This file has too many pixels (unknown number). Maximum pixels 64000000.",
    ),
    # Below Pillow's own limit (about 89 million), above the site's.
    "PNG declaring 9,000 x 9,000 pixels": (
        "large.png",
        png_declaring(9_000, 9_000),
        "This file has too many pixels (81000000). Maximum pixels 64000000.",
    ),
    "PNG whose image data is cut short": ("cut.png", picture("PNG")[:-30], NOT_AN_IMAGE),
    "file over 10 MB": ("huge.png", ELEVEN_MEGABYTES, "This file is too big (11.0\xa0MB)"),
}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor(client, django_user_model):
    """A member of the Editors group (manage.py ensure_roles), who may add images."""
    call_command("ensure_roles", stdout=io.StringIO())
    user = django_user_model.objects.create_user("editor", password="password")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def add_image(client, name, content):
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("wagtailimages:add"), {"title": "Campus", "file": upload})


def add_multiple(client, name, content):
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("wagtailimages:add_multiple"), {"files[]": upload})


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


def assert_nothing_kept(media_root):
    assert not Image.objects.exists()
    assert not UploadedFile.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("name, content, message", BAD_FILES.values(), ids=BAD_FILES)
def test_add_image_refuses_a_bad_file_and_keeps_nothing(editor, media_root, name, content, message):
    response = add_image(editor, name, content)
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["form"].errors["file"]
    assert any(error.startswith(message) for error in errors), errors
    assert message.encode() in response.content.replace(b"&#x27;", b"'")
    # What the editor typed stays in the form.
    assert response.context["form"]["title"].value() == "Campus"
    assert_nothing_kept(media_root)


@pytest.mark.parametrize("name, content, message", BAD_FILES.values(), ids=BAD_FILES)
def test_multiple_upload_refuses_a_bad_file_and_keeps_nothing(
    editor, media_root, name, content, message
):
    response = add_multiple(editor, name, content)
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is False
    assert answer["error_message"].startswith(message), answer["error_message"]
    assert_nothing_kept(media_root)


@pytest.mark.parametrize("upload", [add_image, add_multiple])
def test_a_real_image_is_accepted_by_both(editor, media_root, upload):
    response = upload(editor, "campus.png", picture("PNG"))
    assert response.status_code in (200, 302)
    image = Image.objects.get()
    assert (image.width, image.height) == (40, 30)
    assert len(stored_files(media_root)) == 1


def test_image_limits_are_set_explicitly(settings):
    assert "svg" not in settings.WAGTAILIMAGES_EXTENSIONS
    assert settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE == 10 * 1024 * 1024
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 64_000_000


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "script.js", "tool.exe"])
def test_documents_refuse_what_a_browser_would_run(editor, media_root, name):
    response = editor.post(
        reverse("wagtaildocs:add"),
        {"title": "Minutes", "file": SimpleUploadedFile(name, b"<script>alert(1)</script>")},
    )
    assert response.status_code == 200
    assert "File extension" in " ".join(response.context["form"].errors["file"])
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_documents_are_served_as_downloads_that_run_nothing(editor, media_root):
    editor.post(
        reverse("wagtaildocs:add"),
        {"title": "Minutes", "file": SimpleUploadedFile("minutes.txt", b"<script>x</script>")},
    )
    document = Document.objects.get()
    response = editor.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
