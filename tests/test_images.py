"""Images: a <picture> of WebP sources and a JPEG fallback in several widths, sized so that
nothing shifts, lazy below the fold, cropped around the focal point, described or marked
decorative, and their renditions read in one query a listing."""

import io
import re

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.test.utils.form_data import nested_form_data, streamfield

from accolades.models import AccoladesPage, Award, Person
from site_config.blocks import CaptionedImageBlock
from stories.models import StoryPage
from tests.conftest import queries_per_request

pytestmark = pytest.mark.django_db

BLUE, RED = (30, 60, 160), (210, 30, 30)


def make_image(title="Campus", size=(2000, 1500), red_band=None, focal_point=None):
    """A JPEG drawn with Pillow: blue, with a red band from row red_band to the bottom, and
    the focal point (x, y, width, height, about its centre) an editor would set."""
    drawing = PILImage.new("RGB", size, BLUE)
    if red_band is not None:
        ImageDraw.Draw(drawing).rectangle((0, red_band, size[0], size[1]), fill=RED)
    buffer = io.BytesIO()
    drawing.save(buffer, "JPEG")
    image = Image(title=title, file=ImageFile(buffer, name=f"{title.lower()}.jpg"))
    if focal_point:
        x, y, width, height = focal_point
        image.focal_point_x, image.focal_point_y = x, y
        image.focal_point_width, image.focal_point_height = width, height
    image.save()
    return image


def soup_of(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def widths(srcset):
    return [int(width) for width in re.findall(r" (\d+)w", srcset)]


def assert_responsive_picture(picture, expected_widths):
    """WebP sources, a JPEG fallback, each in the expected widths, and a sized <img>."""
    sources = picture.find_all("source")
    assert [source["type"] for source in sources] == ["image/webp"]
    assert widths(sources[0]["srcset"]) == expected_widths
    assert all(".webp" in url for url in sources[0]["srcset"].split(", "))
    img = picture.find("img")
    assert img["src"].endswith(".jpg")
    assert widths(img["srcset"]) == expected_widths
    assert sources[0]["sizes"] == img["sizes"]
    assert int(img["width"]) == expected_widths[0] and int(img["height"]) > 0
    return img


def pixel_at(url, x, y):
    """The colour at (x, y) of an image file served from the media URL; negative counts
    from the right or bottom."""
    with default_storage.open(url.removeprefix(settings.MEDIA_URL)) as file:
        drawing = PILImage.open(file).convert("RGB")
        return drawing.getpixel((x % drawing.width, y % drawing.height))


def is_red(colour):
    red, green, blue = colour
    return red > 150 and blue < 100


@pytest.fixture
def story_with_hero(make_story, category):
    hero = make_image("Hero", red_band=1350, focal_point=(1000, 1425, 400, 150))
    story = make_story("With a hero", hero_image=hero, hero_image_alt="Students on the lawn")
    story.category = category
    story.save_revision().publish()
    return story


def test_story_hero_is_a_webp_picture_in_several_widths_loaded_first(
    client, story_with_hero, make_story, category
):
    # A related story's card, below the hero on the same page.
    make_story("Related", category=category, hero_image=make_image("Card"), hero_image_alt="x")
    soup = soup_of(client.get(story_with_hero.url))

    hero = soup.select_one(".story__hero picture")
    img = assert_responsive_picture(hero, [640, 1280, 1920])
    assert img["alt"] == "Students on the lawn"
    assert int(img["width"]) * 9 == int(img["height"]) * 16
    # The top of the page: fetched at once, never lazily.
    assert img["loading"] == "eager"

    card = soup.select_one(".card picture img")
    assert card["loading"] == "lazy" and card["decoding"] == "async"


def test_hero_crop_keeps_the_focal_point(client, story_with_hero, make_story):
    img = soup_of(client.get(story_with_hero.url)).select_one(".story__hero img")
    # The red band lies at the bottom of a 4:3 image, where the focal point is: the 16:9
    # crop goes down to it, where a centred crop would not reach it.
    assert is_red(pixel_at(img["src"], 0, -2))

    centred = make_story(
        "No focal point", hero_image=make_image("Centred", red_band=1350), hero_image_alt="x"
    )
    img = soup_of(client.get(centred.url)).select_one(".story__hero img")
    assert not is_red(pixel_at(img["src"], 0, -2))


def test_story_cards_are_lazy_decorative_and_sized(client, make_story):
    make_story("Pictured", hero_image=make_image("Card"), hero_image_alt="The library")
    make_story("Plain")
    soup = soup_of(client.get("/news/"))
    cards = {
        card.select_one(".card__title").get_text(strip=True): card for card in soup.select(".card")
    }

    img = assert_responsive_picture(cards["Pictured"].find("picture"), [400, 800, 1200])
    # The card's title says what the story is: the image adds nothing for a screen reader.
    assert img["alt"] == ""
    assert img["loading"] == "lazy" and "card__image" in img["class"]
    assert int(img["width"]) * 9 == int(img["height"]) * 16
    assert not cards["Plain"].find("picture")


def test_a_small_original_lists_each_width_once(client, make_story):
    # Renditions are never upscaled: 800 pixels wide gives 400, 800 and 800 again.
    make_story("Small", hero_image=make_image("Small", size=(800, 450)), hero_image_alt="x")
    picture = soup_of(client.get("/news/")).select_one(".card picture")
    assert_responsive_picture(picture, [400, 800])


def test_story_index_reads_card_renditions_in_one_query(client, make_story):
    def add_pictured_stories(count):
        for _ in range(count):
            make_story(hero_image=make_image("Card", size=(800, 450)), hero_image_alt="x")
        client.get("/news/")  # makes the renditions of the new cards

    add_pictured_stories(2)
    with_two = queries_per_request(client, ["/news/"])
    add_pictured_stories(3)
    assert queries_per_request(client, ["/news/"]) == with_two


def test_body_image_keeps_its_shape_and_alt_text_or_is_decorative():
    image = make_image("Lab", size=(1600, 1200))
    block = CaptionedImageBlock()
    data = {
        "image": {"image": image.pk, "alt_text": "A lab bench", "decorative": False},
        "caption": "In the lab",
    }
    soup = BeautifulSoup(block.render(block.to_python(data)), "html.parser")
    img = assert_responsive_picture(soup.select_one("figure picture"), [480, 960, 1440])
    assert img["alt"] == "A lab bench" and img["loading"] == "lazy"
    assert int(img["width"]) * 3 == int(img["height"]) * 4  # uncropped: 4:3 as uploaded
    assert soup.find("figcaption").get_text() == "In the lab"

    decorative = {**data, "image": {**data["image"], "decorative": True}}
    soup = BeautifulSoup(block.render(block.to_python(decorative)), "html.parser")
    assert soup.find("img")["alt"] == ""


def test_award_photo_is_a_lazy_square_beside_the_name(client, home_page):
    accolades = AccoladesPage(title="Rankings & Accolades", slug="rankings-and-accolades")
    home_page.add_child(instance=accolades)
    accolades.save_revision().publish()
    photo = make_image("Portrait", size=(600, 400), red_band=300)
    person = Person.objects.create(honorific="Prof.", name="Kai Lung HUI", photo=photo)
    Award.objects.create(person=person, title="Distinguished Fellow Award")

    soup = soup_of(client.get(accolades.url))
    img = assert_responsive_picture(soup.select_one(".award picture"), [80, 160, 240])
    assert img["width"] == img["height"]
    # The name is the heading beside the photo: the photo is decorative.
    assert img["alt"] == "" and img["loading"] == "lazy" and "award__photo" in img["class"]


def test_every_image_of_the_demo_pages_is_a_described_sized_picture(client, demo_site):
    hero = make_image("Hero")
    for story in StoryPage.objects.all():
        story.hero_image, story.hero_image_alt = hero, "Students on the lawn"
        story.save_revision().publish()
    story = StoryPage.objects.first()
    for url in ["/", "/news/", story.url]:
        images = soup_of(client.get(url)).find_all("img")
        assert images, url
        for img in images:
            assert img.parent.name == "picture", img
            assert img.has_attr("alt") and img["width"] and img["height"], img
    # The home page opens with its sections: its cards are all below the hero-less top.
    home = soup_of(client.get("/"))
    assert all(img["loading"] == "lazy" for img in home.find_all("img"))


def test_a_story_without_a_hero_has_no_empty_picture(client, make_story):
    story = make_story("No hero")
    assert not soup_of(client.get(story.url)).select(".story__hero, picture")


def test_a_hero_image_cannot_be_published_without_alt_text(client, story_index, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "", "pw"))
    hero = make_image("Hero", size=(800, 600))
    add_url = reverse("wagtailadmin_pages:add", args=("stories", "storypage", story_index.pk))

    def publish(alt):
        form = {
            "title": "A pictured story",
            "slug": "a-pictured-story",
            "intro": "An intro.",
            "date": "2025-06-01",
            "tags": "",
            "hero_image": hero.pk,
            "hero_image_alt": alt,
            "body": streamfield([]),
            "action-publish": "1",
        }
        return client.post(add_url, nested_form_data(form))

    response = publish("")
    assert response.status_code == 200
    assert "Describe the hero image" in response.content.decode()
    assert not StoryPage.objects.exists()
    assert publish("Students on the lawn").status_code == 302
    assert StoryPage.objects.get().hero_image_alt == "Students on the lawn"
