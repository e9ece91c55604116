import re
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast, Substr
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, re_path
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from site_config.blocks import GeneralContentBlock
from site_config.content_cache import cached
from site_config.models import SiteSettings

from .feeds import FEED_TYPES

STORIES_PER_PAGE = 12
RELATED_STORIES = 3
# Short lists of the newest stories look among the site's newest this many (first_rows).
NEWEST_REACH = 100
# The index's order; previous and next links on a story follow it too.
NEWEST_FIRST = ("-date", "-first_published_at", "-pk")
OLDEST_FIRST = tuple(field.removeprefix("-") for field in NEWEST_FIRST)

# The index's filtered addresses: /news/[category/<slug>/][tag/<slug>/][<yyyy>/], each filter
# at most once and always in this order, so that every combination has exactly one address.
# [0-9], not \d, which would also match other scripts' digits.
FILTERED_PATH = (
    r"(?:category/(?P<category>[-\w]+)/)?"
    r"(?:tag/(?P<tag>[-\w]+)/)?"
    r"(?:(?P<year>[0-9]{4})/)?"
)
# The names the filters had as query parameters (?category=…&year=…), still accepted.
FILTER_PARAMETERS = ("category", "tag", "year")
# A story slugged like a year would be hidden behind the index's year address.
YEAR_SLUG = re.compile(r"[0-9]{4}")


class StoryCategory(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(
        max_length=80, unique=True, blank=True, help_text="Used in addresses; made from the name."
    )

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "story categories"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)


class StoryPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "stories.StoryPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class StoryPageQuerySet(PageQuerySet):
    def visible(self):
        """Stories a visitor may see: published and not behind a privacy restriction."""
        return self.live().public()

    def for_cards(self):
        """What a story card shows, in one query plus one for the hero images' renditions."""
        return (
            self.select_related("category", "hero_image")
            .prefetch_related("hero_image__renditions")
            .defer_streamfields()
            .order_by(*NEWEST_FIRST)
        )

    def newest(self, count):
        """The first `count` of these stories in the index's order, as cards: the home
        page's latest stories, related stories."""
        return first_rows(self.for_cards(), 0, count, reach=max(NEWEST_REACH, count * 10))

    def for_feed(self):
        """What a feed entry shows, in one query plus one for the tags."""
        return (
            self.select_related("category")
            .prefetch_related("tags")
            .defer_streamfields()
            .order_by(*NEWEST_FIRST)
        )


StoryPageManager = PageManager.from_queryset(StoryPageQuerySet)


def first_rows(stories, start, stop, reach, oldest_first=False, among=None):
    """stories[start:stop], where stories are in the index's order (or its reverse, oldest
    first), without sorting every story.

    The `reach` newest (or oldest) stories of the site, or of `among` (a StoryPage
    queryset), read from the index on the date alone, end at a date; the rows are then
    sorted from that date on only. That is exact whenever a full slice comes back (every
    story left out is older, or newer, than all of it); otherwise (a rare category, a page
    in the middle) the whole list is sorted.
    """
    among = StoryPage.objects.all() if among is None else among
    later = "date__lte" if oldest_first else "date__gte"
    dates = among.order_by("date" if oldest_first else "-date").values_list("date", flat=True)
    if edge := list(dates[reach - 1 : reach]):
        # As a subquery on the date's index, which the databases then read first, rather
        # than a condition they might check last.
        recent = among.filter(**{later: edge[0]}).values("pk")
        rows = list(stories.filter(pk__in=recent)[start:stop])
        if len(rows) == stop - start:
            return rows
    return list(stories[start:stop])


@dataclass(frozen=True)
class StoryFilters:
    """The filters a visitor chose: None where they chose none."""

    category: StoryCategory | None = None
    tag: Tag | None = None
    year: int | None = None

    def __bool__(self):
        return any((self.category, self.tag, self.year))

    def apply(self, stories):
        if self.category:
            stories = stories.filter(category=self.category)
        if self.tag:
            # A subquery rather than a join, which could list a story twice.
            tagged = StoryPageTag.objects.filter(tag=self.tag).values("content_object")
            stories = stories.filter(pk__in=tagged)
        if self.year:
            stories = stories.filter(date__year=self.year)
        return stories

    def route_kwargs(self):
        """The filters as the index's filtered address names them."""
        values = {
            "category": self.category and self.category.slug,
            "tag": self.tag and self.tag.slug,
            "year": self.year and str(self.year),
        }
        return {name: value for name, value in values.items() if value}

    def describe(self):
        """The filters in words, for headings: "Research, tagged medicine, 2025"."""
        parts = [
            self.category and self.category.name,
            self.tag and f"tagged {self.tag.name}",
            self.year and str(self.year),
        ]
        return ", ".join(part for part in parts if part)


NO_FILTERS = StoryFilters()


class StoryFacets:
    """An index's filter options, taken from its visible stories so that none leads nowhere.

    Each list is read from the database only when something asks for it, and then kept
    until the content changes (site_config.content_cache): each reads every story.
    """

    def __init__(self, stories, cache_key):
        self.stories = stories
        self.cache_key = cache_key

    @cached_property
    def categories(self):
        return self._categories_and_years[0]

    @cached_property
    def tags(self):
        # Each tag asks whether a visible story has it, and stops at the first that does.
        stories = self.stories.values("pk")
        tagged = StoryPageTag.objects.filter(tag=OuterRef("pk"), content_object__in=stories)
        # Sorted here: databases disagree on where capital letters sort.
        return cached(
            f"{self.cache_key}:tags",
            lambda: sorted(Tag.objects.filter(Exists(tagged)), key=lambda tag: tag.name.casefold()),
        )

    @cached_property
    def years(self):
        return self._categories_and_years[1]

    @cached_property
    def _categories_and_years(self):
        """The categories and the years of the stories, newest first, from one reading of
        them."""

        def read():
            # The year is the ISO date's first four characters, computed by the database:
            # SQLite would call Django's date functions in Python, once a row.
            year = Substr(Cast("date", output_field=models.CharField()), 1, 4)
            stories = self.stories.order_by().annotate(year=year)
            pairs = set(stories.values_list("category", "year").distinct())
            ids = {category for category, _ in pairs if category is not None}
            categories = list(StoryCategory.objects.filter(pk__in=ids)) if ids else []
            return categories, sorted({int(year) for _, year in pairs}, reverse=True)

        return cached(f"{self.cache_key}:categories-and-years", read)

    def select(self, category="", tag="", year=""):
        """The filters that these slugs and year name; Http404 if no visible story has one."""
        return StoryFilters(
            category=self.choose("categories", category, key=lambda option: option.slug),
            tag=self.choose("tags", tag, key=lambda option: option.slug),
            # Compared as text, so "02025" or other scripts' digits match no year.
            year=self.choose("years", year, key=str),
        )

    def choose(self, facet, value, key):
        """The facet's option whose key is value: None for no value (and no query)."""
        if not value:
            return None
        for option in getattr(self, facet):
            if key(option) == value:
                return option
        raise Http404("No stories match that filter.")


def _reach(stop):
    # Enough of the site's stories to hold a page of a category's, or of a year's.
    return max(stop * 2, stop + 1_000)


class StoryPaginator(Paginator):
    """Pages of story ids, each as cheap to reach as the first.

    The database sorts only as far as a page needs, so a page past the middle is read
    from the other end of the list (the last page is the first page, reversed), and the
    count, which reads every story, is kept until the content changes. The cards of a
    page are loaded afterwards, by id: the sort carries ids, not whole rows.
    """

    def __init__(self, ids, per_page, count_key):
        super().__init__(ids, per_page)
        self.count_key = count_key

    @cached_property
    def count(self):
        return cached(self.count_key, self.object_list.count)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if bottom > self.count // 2:
            from_end = self.count - top, self.count - bottom
            ids = first_rows(
                self.object_list.reverse(), *from_end, reach=_reach(from_end[1]), oldest_first=True
            )
            ids.reverse()
        else:
            ids = first_rows(self.object_list, bottom, top, reach=_reach(top))
        cards = StoryPage.objects.filter(pk__in=ids).for_cards().in_bulk()
        return self._get_page([cards[pk] for pk in ids], number, self)


class StoryIndexPage(RoutablePageMixin, Page):
    """News & Stories: every story, newest first, filterable by category, tag and year.

    Each filtered list has one address under the index's own: category/<slug>/, tag/<slug>/
    and <yyyy>/, combined in that order (/news/category/research/tag/medicine/2025/), with
    ?page=N from the second page on. Filters sent as query parameters (the filter form, old
    links) are redirected there. Feeds: feed/rss/ and feed/atom/ for every story,
    category/<slug>/feed/rss/ and category/<slug>/feed/atom/ for one category.
    """

    intro = models.TextField(blank=True, help_text="A sentence under the page title.")

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["stories.StoryPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "story index page"

    def stories(self):
        return StoryPage.objects.child_of(self).visible()

    def facets(self):
        return StoryFacets(self.stories(), cache_key=f"story-index:{self.pk}")

    @re_path(rf"^{FILTERED_PATH}$", name="stories")
    def stories_view(self, request, **filter_values):
        facets = self.facets()
        sent_as_query = {
            name: request.GET[name] for name in FILTER_PARAMETERS if name in request.GET
        }
        if sent_as_query:
            filters = facets.select(**filter_values | sent_as_query)
            page = request.GET.get("page")
            return redirect(self.filtered_url(request, filters, page=page), permanent=True)

        filters = facets.select(**filter_values)
        ids = filters.apply(facets.stories).order_by(*NEWEST_FIRST).values_list("pk", flat=True)
        chosen = ",".join(f"{name}={value}" for name, value in filters.route_kwargs().items())
        count_key = f"{facets.cache_key}:count:{chosen}"
        paginator = StoryPaginator(ids, STORIES_PER_PAGE, count_key=count_key)
        try:
            stories = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage) as error:
            raise Http404("No such page of stories.") from error

        def page_url(number):
            return self.filtered_url(request, filters, page=number)

        return self.render(
            request,
            context_overrides={
                "stories": stories,
                "facets": facets,
                "filters": filters,
                "canonical_url": self.filtered_url(
                    request, filters, page=stories.number, full=True
                ),
                "previous_page_url": stories.has_previous() and page_url(stories.number - 1),
                "next_page_url": stories.has_next() and page_url(stories.number + 1),
                "feeds": self.feed_links(request, filters.category),
            },
        )

    @re_path(
        rf"^(?:category/(?P<category>[-\w]+)/)?feed/(?P<kind>{'|'.join(FEED_TYPES)})/$",
        name="feed",
    )
    def feed_view(self, request, kind, category=""):
        facets = self.facets()
        filters = facets.select(category=category)
        heading = f"{self.title}: {filters.describe()}" if filters else self.title
        site_name = SiteSettings.for_request(request).site_name
        story_feed = FEED_TYPES[kind](
            request,
            stories=filters.apply(facets.stories),
            title=f"{heading} | {site_name}" if site_name else heading,
            link=self.filtered_url(request, filters, full=True),
            feed_url=self.feed_url(request, kind, filters.category),
            description=self.intro or f"The latest stories of {heading}.",
            author=site_name or self.title,
        )
        return story_feed(request)

    def filtered_url(self, request, filters=NO_FILTERS, *, page=None, full=False):
        """The one address of the filters' list of stories, or of one page of it."""
        base = self.get_full_url(request) if full else self.get_url(request)
        url = base + self.reverse_subpage("stories", kwargs=filters.route_kwargs())
        if page and str(page) != "1":
            url += "?" + urlencode({"page": page})
        return url

    def feed_url(self, request, kind, category=None):
        """The absolute address of a feed of every story, or of one category's."""
        kwargs = {"kind": kind, "category": category.slug} if category else {"kind": kind}
        return self.get_full_url(request) + self.reverse_subpage("feed", kwargs=kwargs)

    def feed_links(self, request, category=None):
        """The feeds a page announces: every story's, and the category's when one is chosen."""
        return [
            {
                "title": f"{self.title}: {chosen.name}" if chosen else self.title,
                "format": feed_type.label,
                "type": feed_type.mime_type,
                "url": self.feed_url(request, kind, chosen),
            }
            for chosen in ([None, category] if category else [None])
            for kind, feed_type in FEED_TYPES.items()
        ]


class StoryPage(Page):
    date = models.DateField("publication date", default=timezone.localdate)
    category = models.ForeignKey(
        StoryCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
    )
    tags = ClusterTaggableManager(through=StoryPageTag, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_image_alt = models.CharField(
        "hero image alt text",
        max_length=250,
        blank=True,
        help_text="Describe the image for people who cannot see it. Required with an image.",
    )
    intro = models.TextField(help_text="One or two sentences: shown on cards and in search.")
    body = StreamField(GeneralContentBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("hero_image"), FieldPanel("hero_image_alt")], heading="Hero image"
        ),
        FieldPanel("body"),
    ]
    promote_panels = Page.promote_panels + [
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("category"), FieldPanel("tags")],
            heading="Listing",
        )
    ]

    # Page.search_fields weights the title at 2; the intro comes next, then the body.
    search_fields = Page.search_fields + [
        index.SearchField("intro", boost=1.5),
        index.SearchField("body"),
        index.FilterField("date"),
        index.FilterField("category"),
    ]

    objects = StoryPageManager()

    parent_page_types = ["stories.StoryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "story"
        verbose_name_plural = "stories"
        # Newest first: the short lists of newest stories start from it (newest()).
        indexes = [models.Index(fields=["date"], name="stories_date")]

    def clean(self):
        super().clean()
        errors = {}
        if self.hero_image and not self.hero_image_alt.strip():
            errors["hero_image_alt"] = "Describe the hero image for people who cannot see it."
        if YEAR_SLUG.fullmatch(self.slug or ""):
            errors["slug"] = "The index lists a year's stories at this address: add a word."
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        story_index = StoryIndexPage.objects.parent_of(self).get()
        tags = list(self.tags.all())
        # One check of privacy restrictions (in visible()) serves the three lists below.
        siblings = StoryPage.objects.sibling_of(self, inclusive=False).visible()
        context.update(
            story_index=story_index,
            category_url=self.category
            and story_index.filtered_url(request, StoryFilters(category=self.category)),
            tag_links=[
                (tag, story_index.filtered_url(request, StoryFilters(tag=tag))) for tag in tags
            ],
            related_stories=self.related_stories(siblings, tags),
            previous_story=self.adjacent_story(siblings, "lt", NEWEST_FIRST),
            next_story=self.adjacent_story(siblings, "gt", OLDEST_FIRST),
        )
        return context

    def related_stories(self, siblings, tags):
        """Up to three stories in this one's category or sharing a tag with it, newest first."""
        shared = Q()
        if self.category_id:
            shared |= Q(category_id=self.category_id)
        if tags:
            # EXISTS per story, not a list of every story with the tag: a tag on thousands
            # of stories would be listed in full for every story page.
            tagged = StoryPageTag.objects.filter(content_object=OuterRef("pk"), tag__in=tags)
            shared |= Q(Exists(tagged))
        if not shared:
            return []
        return siblings.filter(shared).newest(RELATED_STORIES)

    def adjacent_story(self, siblings, lookup, order):
        """The story just before ("lt") or after ("gt") this one in the index's order.

        The order is by date, then first publication, then id, compared field by field.
        A field this story lacks (a page made live without being published, a new page's
        preview) is left out of the comparison.
        """
        after_or_before, equal = Q(), {}
        for field in OLDEST_FIRST:
            value = getattr(self, field)
            if value is None:
                continue
            after_or_before |= Q(**equal, **{f"{field}__{lookup}": value})
            equal[field] = value
        stories = siblings.filter(after_or_before).defer_streamfields().order_by(*order)
        # Dated the same as this story or earlier (later): the date's index finds those.
        newer = lookup == "gt"
        among = StoryPage.objects.filter(**{"date__gte" if newer else "date__lte": self.date})
        found = first_rows(stories, 0, 1, NEWEST_REACH, oldest_first=newer, among=among)
        return found[0] if found else None
