"""Queries written out in SQL (site_config.sql) read what the ORM reads, on SQLite and on
PostgreSQL alike (CI runs the suite on both)."""

import datetime

import pytest
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page

from site_config import sql
from stories.models import StoryPage
from tests.test_images import make_image

pytestmark = pytest.mark.django_db


def test_values_are_converted_as_the_orm_converts_them(make_story, category):
    make_story("Old", date=datetime.date(2024, 12, 31))
    story = make_story("New", date=datetime.date(2025, 1, 2), category=category)
    fields = [
        StoryPage._meta.get_field("date"),
        StoryPage._meta.get_field("category"),
        Page._meta.get_field("first_published_at"),
        Page._meta.get_field("live"),
    ]
    selected = sql.columns("s", fields[:2]) + sql.columns("p", fields[2:])
    rows = sql.select(
        "default",
        f"{sql.select_clause(selected)} FROM {StoryPage._meta.db_table} s"
        f' JOIN {Page._meta.db_table} p ON p."id" = s."page_ptr_id"'
        ' WHERE s."date" >= %s',
        # A date as a value: passed as Django passes a DateField's.
        [datetime.date(2025, 1, 1)],
        selected,
    )
    expected = StoryPage.objects.filter(pk=story.pk).values_list(
        "date", "category", "first_published_at", "live"
    )
    assert rows == [list(expected.get())]
    date, _, published, live = rows[0]
    assert type(date) is datetime.date
    assert timezone.is_aware(published)
    assert live is True


def test_an_instance_reads_what_was_not_selected_when_asked(make_story, category):
    story = make_story("A story", category=category)
    card = sql.instance(StoryPage, "default", {"id": story.pk, "page_ptr_id": story.pk})
    assert card.get_deferred_fields() >= {"title", "intro"}
    assert card.title == "A story"  # read now, in a query of its own


def test_a_card_with_its_image_is_read_whole(make_story):
    image = make_image()
    story = make_story("Pictured", hero_image=image, hero_image_alt="A view")
    with_image = make_story("Related", hero_image=image, hero_image_alt="A view")
    with_image.tags.add("ocean")
    with_image.save_revision().publish()
    story.tags.add("ocean")
    story.save_revision().publish()

    story = StoryPage.objects.get(pk=story.pk)
    [card] = story.related(None)
    assert card.pk == with_image.pk
    # The image whole, as select_related reads it: nothing more to read for its renditions.
    assert card.hero_image.get_deferred_fields() == set()
    assert card.hero_image == get_image_model().objects.get(pk=image.pk)
    assert card.hero_image.created_at == image.created_at
