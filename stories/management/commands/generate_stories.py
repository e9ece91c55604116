"""Create many synthetic, live stories fast: `manage.py generate_stories --count 100000`.

For benchmarks only. Every story is marked as synthetic: its title starts with
"[Synthetic]", its category's name with "Synthetic" and it carries the tag "synthetic".

Saving pages one at a time (treebeard's add_child, a revision, then the search index)
costs about 45 ms a story, over an hour for 100,000. This command writes the same rows in
bulk instead, 2,000 stories to a transaction:

- the tree: treebeard's materialised paths (4 characters of base 36 a level) continue
  after the story index's last child, and the index's numchild grows with each batch, so
  the tree is valid after every committed batch;
- wagtailcore_page rows with bulk_create, then the stories_storypage rows (Django cannot
  bulk_create a model with multi-table inheritance, so only the story's own columns);
- tags with bulk_create;
- the search index through each backend's add_bulk, as `manage.py update_index` does.

The stories have no revisions (like pages imported with a fixture): the admin edits them
from their live content, and the first save makes a revision as usual.
"""

import datetime
import io
import time
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backends
from wagtail.search.models import IndexEntry

from site_config.content_cache import new_generation
from stories.management import synthetic
from stories.models import StoryCategory, StoryIndexPage, StoryPage, StoryPageTag

BATCH_SIZE = 2_000
# treebeard's MP_Node settings, as Wagtail's Page uses them.
STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_CHILDREN = len(ALPHABET) ** STEPLEN - 1


def path_step(number):
    """The path segment of a parent's `number`th child: 1 -> "0001", 36 -> "0010"."""
    digits = ""
    while number:
        number, digit = divmod(number, len(ALPHABET))
        digits = ALPHABET[digit] + digits
    return digits.rjust(STEPLEN, ALPHABET[0])


def child_number(path):
    # int() reads base 36 with exactly treebeard's alphabet (0-9 then A-Z).
    return int(path[-STEPLEN:], len(ALPHABET))


class Command(BaseCommand):
    help = "Create N synthetic live stories under the story index, in bulk (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many stories.")
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed makes the same stories."
        )
        parser.add_argument(
            "--images",
            type=int,
            default=0,
            help="Give each story a hero image, taking turns among this many synthetic "
            "pictures (made the first time, then reused).",
        )

    def handle(self, *args, count, seed, images, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if images < 0:
            raise CommandError("--images cannot be negative.")
        index = self.story_index()
        categories = self.categories()
        tags = self.tags()
        self.pictures = self.synthetic_pictures(images)
        self.taken_slugs = set(index.get_children().values_list("slug", flat=True))
        # Read once: the page's content type and the site's time zone serve every story.
        story_type = ContentType.objects.get_for_model(StoryPage)
        zone = timezone.get_current_timezone()

        if self.next_child_number(index) + count - 1 > MAX_CHILDREN:
            raise CommandError(f"The story index cannot take {count:,} more children.")

        started = time.perf_counter()
        made = 0
        while made < count:
            size = min(BATCH_SIZE, count - made)
            with transaction.atomic():
                first = self.next_child_number(index)
                contents = [synthetic.synthetic_story(seed, first + i) for i in range(size)]
                stories = [
                    self.build_story(index, first + i, content, categories, story_type, zone)
                    for i, content in enumerate(contents)
                ]
                self.insert(index, stories, [content.tag_names for content in contents], tags)
            made += size
            rate = made / (time.perf_counter() - started)
            self.stdout.write(f"{made:,} of {count:,} stories ({rate:,.0f} a second)")
        refresh_statistics()
        # Written in bulk, without the publish signals: the cached lists start afresh.
        new_generation()
        self.stdout.write(
            self.style.SUCCESS(f"Created {made:,} synthetic stories under {index.url_path}.")
        )

    def story_index(self):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("No default site: run load_demo_content first.")
        index = StoryIndexPage.objects.descendant_of(site.root_page).order_by("path").first()
        if index is not None:
            return index
        home = site.root_page.specific
        if not StoryIndexPage.can_create_at(home):
            raise CommandError(f"The site's root page ({home}) cannot hold a story index.")
        index = StoryIndexPage(title="News & Stories", slug="news", show_in_menus=True)
        home.add_child(instance=index)
        index.save_revision().publish()
        self.stdout.write(f"Created the story index at {index.url_path}.")
        return index

    def categories(self):
        return {
            name: StoryCategory.objects.get_or_create(name=name)[0]
            for name in synthetic.CATEGORY_NAMES
        }

    def tags(self):
        tags = {}
        for name in [synthetic.SYNTHETIC_TAG, *synthetic.TAG_NAMES]:
            tag = Tag.objects.filter(name__iexact=name).first()
            tags[name] = tag or Tag.objects.create(name=name)
        return tags

    def synthetic_pictures(self, count):
        """`count` pictures of one colour each, titled as synthetic: those of an earlier
        run, and new ones where it made fewer."""
        Image = get_image_model()
        pictures = []
        for number in range(1, count + 1):
            title = f"{synthetic.TITLE_PREFIX}picture {number}"
            picture = Image.objects.filter(title=title).first()
            if picture is None:
                drawing = PILImage.new("RGB", (2000, 1125), synthetic.picture_colour(number))
                buffer = io.BytesIO()
                drawing.save(buffer, "JPEG")
                picture = Image(title=title, file=ImageFile(buffer, name=f"synthetic-{number}.jpg"))
                picture.save()
            pictures.append(picture)
        return pictures

    def next_child_number(self, index):
        last_path = (
            Page.objects.filter(path__startswith=index.path, depth=index.depth + 1)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        return child_number(last_path) + 1 if last_path else 1

    def build_story(self, index, number, content, categories, story_type, zone):
        slug = self.unique_slug(content.title, number)
        published_at = datetime.datetime.combine(content.date, content.published_at, zone)
        return StoryPage(
            # The tree and the page's address.
            path=index.path + path_step(number),
            depth=index.depth + 1,
            numchild=0,
            slug=slug,
            url_path=f"{index.url_path}{slug}/",
            locale_id=index.locale_id,
            translation_key=uuid.uuid4(),
            content_type=story_type,
            # Published, with nothing unpublished waiting.
            title=content.title,
            draft_title=content.title,
            live=True,
            has_unpublished_changes=False,
            first_published_at=published_at,
            last_published_at=published_at,
            # The story.
            date=content.date,
            category=categories[content.category_name],
            intro=content.intro,
            body=content.body,
            **self.hero_image(number),
        )

    def hero_image(self, number):
        if not self.pictures:
            return {}
        return {
            "hero_image": self.pictures[number % len(self.pictures)],
            "hero_image_alt": synthetic.PICTURE_ALT,
        }

    def unique_slug(self, title, number):
        base = slugify(title.removeprefix(synthetic.TITLE_PREFIX))[:60].rstrip("-")
        slug = f"synthetic-{base}-{number}"
        # The number is the story's place in the tree, so only an editor's page can clash.
        while slug in self.taken_slugs:
            slug += "-1"
        self.taken_slugs.add(slug)
        return slug

    def insert(self, index, stories, tag_names, tags):
        pages = Page.objects.bulk_create(
            [Page(**{f.attname: getattr(s, f.attname) for f in page_fields()}) for s in stories]
        )
        for story, page in zip(stories, pages, strict=True):
            story.id = story.page_ptr_id = page.id
        insert_story_rows(stories)
        StoryPageTag.objects.bulk_create(
            StoryPageTag(content_object_id=story.id, tag=tags[name])
            for story, names in zip(stories, tag_names, strict=True)
            for name in names
        )
        Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + len(stories))
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(StoryPage, stories)


def refresh_statistics():
    """Tell PostgreSQL's planner how big the tables have grown.

    Autovacuum would, a little later; until it does, the planner may pick plans made for
    the old sizes. (Django's SQLite databases keep no statistics unless asked to.)
    """
    if connection.vendor != "postgresql":
        return
    models = [Page, StoryPage, StoryPageTag, IndexEntry]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(m._meta.db_table) for m in models))


def page_fields():
    return [f for f in Page._meta.concrete_fields if not f.primary_key]


def insert_story_rows(stories):
    """Insert the stories_storypage rows: the page_ptr and the story's own columns.

    This is what Model.save() does for the child table of a multi-table model, for many
    rows at once (QuerySet._insert is the method save() itself uses).
    """
    fields = StoryPage._meta.local_concrete_fields
    batch = connection.ops.bulk_batch_size(fields, stories)
    for start in range(0, len(stories), batch):
        StoryPage._base_manager._insert(stories[start : start + batch], fields=fields)
