import calendar
import datetime
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property, partial

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import (
    Count,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Substr
from django.db.models.lookups import IsNull
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
from wagtail.images import get_image_model
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from site_config import sql
from site_config.blocks import GeneralContentBlock
from site_config.content_cache import Fragment, cached
from site_config.models import SiteSettings
from site_config.pages import SitePage, cached_route, keep_route, public, restricted_paths
from site_config.pictures import SHARE_IMAGE_SPEC, renditions

from .feeds import FEED_TYPES

STORIES_PER_PAGE = 12
RELATED_STORIES = 3
# Short lists of the newest stories look among the site's newest this many (first_rows).
NEWEST_REACH = 100
# A story's previous and next links look among this many stories on each side of it
# (StoryPage.neighbours): the nearest story is almost always a visible sibling, and each
# row read costs (20 rather than 100 took their query from 2.2 to 1.5 ms of CPU at 10,000
# stories, SQLite).
NEIGHBOUR_REACH = 20
# The index's order; previous and next links on a story follow it too.
NEWEST_FIRST = ("-date", "-first_published_at", "-pk")
OLDEST_FIRST = tuple(field.removeprefix("-") for field in NEWEST_FIRST)
# What the previous and next links on a story show (StoryPage.neighbours), besides its id.
LINK_FIELDS = ("title", "slug", "url_path")
# What a story card shows (stories/includes/story_card.html) and its link needs, with the
# category and the image whole. Only these: a page's other thirty-odd fields, read and
# converted card by card, were a third of the cards' query (1.5 against 1.0 ms of CPU for
# twelve cards, SQLite).
CARD_FIELDS = (*LINK_FIELDS, "date", "intro", "category", "hero_image")

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
        return public(self.live())

    def for_cards(self):
        """What a story card shows, in one query plus one for the hero images' renditions."""
        return (
            self.select_related("category", "hero_image")
            .prefetch_related(Prefetch("hero_image__renditions", renditions("card")))
            .only(*CARD_FIELDS)
            .order_by(*NEWEST_FIRST)
        )

    def newest(self, count):
        """The first `count` of these stories in the index's order, as cards: the home
        page's latest stories, the no-results list of the search."""
        reach = max(NEWEST_REACH, count * 10)
        # Read once per generation of the content: only a change of the stories moves it
        # (and first_rows checks it anyway).
        edge = cached(f"newest-edge:{reach}", lambda: reach_edge(StoryPage.objects.all(), reach))
        return first_rows(self.for_cards(), 0, count, edge)

    def for_feed(self):
        """What a feed entry shows, in one query plus one for the tags."""
        return (
            self.select_related("category")
            .prefetch_related("tags")
            .defer_streamfields()
            .order_by(*NEWEST_FIRST)
        )


StoryPageManager = PageManager.from_queryset(StoryPageQuerySet)


def edge_dates(among, reach, oldest_first=False):
    """The date that the `reach` newest (or oldest) of `among` reach back (or forward) to,
    as a query of one row, or of none when `among` holds fewer."""
    order = "date" if oldest_first else "-date"
    return among.order_by(order).values_list("date", flat=True)[reach - 1 : reach]


def reach_edge(among, reach, oldest_first=False):
    """edge_dates, read: a date, or None."""
    return next(iter(edge_dates(among, reach, oldest_first)), None)


def from_edge(stories, edge, oldest_first=False, among=None):
    """These stories, only those dated `edge` or later (oldest first: `edge` or earlier),
    among all stories or those of `among`; all of them when there is no edge.

    The dates are matched in a subquery on the date's index, which the databases then read
    first, rather than a condition they might check last.
    """
    if edge is None:
        return stories
    among = StoryPage.objects.all() if among is None else among
    later = "date__lte" if oldest_first else "date__gte"
    return stories.filter(pk__in=among.filter(**{later: edge}).values("pk"))


def any_row(rows):
    """Whether `rows`, a queryset that refers to the outer query's row (OuterRef), hold one,
    as a condition for filter(): a subquery for one row rather than EXISTS.

    PostgreSQL may answer an EXISTS by first reading every row that could match for any
    outer row (a hashed subplan, or a semi-join): every story with a tag, tens to hundreds
    of milliseconds at 100,000 stories. A subquery for one row it answers row by row,
    stopping at the first match: under a millisecond.
    """
    return IsNull(Subquery(rows.values("pk")[:1]), False)


def first_rows(stories, start, stop, edge, *, oldest_first=False, among=None, load=None):
    """stories[start:stop], where stories are in the index's order (or its reverse, oldest
    first), without sorting every story.

    `edge` is a date the rows most likely lie on this side of: the stories from it on (see
    from_edge) are sorted alone. That is exact whenever a full slice comes back; otherwise
    (no edge, a rare category reaching past it) the whole list is sorted.

    With `load`, a queryset of stories, only ids are sorted: the rows are read from `load`
    by those ids, in the same query, in load's order.
    """

    def read(candidates):
        if load is None:
            return list(candidates[start:stop])
        return list(load.filter(pk__in=candidates.values("pk")[start:stop]))

    if edge is not None:
        rows = read(from_edge(stories, edge, oldest_first, among))
        if len(rows) == stop - start:
            return rows
    return read(stories)


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
    """An index's filter options, taken from its visible stories so that none leads nowhere,
    and how many stories each choice of them holds.

    One reading of every story counts them by category and month: the category and year
    options, the number of stories of a category, a year or both, and the date from which a
    page of them is read (edge) all come from it. The tags are read apart. Each reading
    is made only when something asks for it, and then kept until the content changes
    (site_config.content_cache): each reads every story.
    """

    def __init__(self, stories, cache_key):
        self.stories = stories
        self.cache_key = cache_key
        self._months_of = {}

    @cached_property
    def categories(self):
        return self._counts.categories

    @cached_property
    def tags(self):
        # Each tag asks whether a visible story has it, and stops at the first that does.
        stories = self.stories.values("pk")
        tagged = StoryPageTag.objects.filter(tag=OuterRef("pk"), content_object__in=stories)
        in_use = Tag.objects.filter(any_row(tagged))
        # Sorted here: databases disagree on where capital letters sort.
        return cached(
            f"{self.cache_key}:tags",
            lambda: sorted(in_use, key=lambda tag: tag.name.casefold()),
        )

    @cached_property
    def years(self):
        return self._counts.years

    @cached_property
    def _counts(self):
        """The categories of the stories, and how many stories each month holds, of each
        category and of all (MonthCounts), from one reading of them."""

        def read():
            # The month is the ISO date's first seven characters, computed by the database:
            # SQLite would call Django's date functions in Python, once a row.
            month = Substr(Cast("date", output_field=models.CharField()), 1, 7)
            # Grouped by the category's id and the month alone, the category's name and
            # slug taken along (one of each a group): grouping by them too sorted every
            # story by two texts, 40 % of the query at 100,000 stories on PostgreSQL.
            rows = (
                self.stories.order_by()
                .annotate(month=month)
                .values_list("category", "month")
                .annotate(name=Max("category__name"), slug=Max("category__slug"), count=Count("pk"))
            )
            categories, of_category, every = {}, {}, Counter()
            for pk, month, name, slug, count in rows:
                if pk is not None:
                    categories[pk] = StoryCategory(pk=pk, name=name, slug=slug)
                of_category.setdefault(pk, {})[month] = count
                every[month] += count
            return MonthCounts(
                categories=sorted(categories.values(), key=lambda category: category.name),
                of_category=of_category,
                every=every,
                years=sorted({int(month[:4]) for month in every}, reverse=True),
            )

        return cached(f"{self.cache_key}:month-counts", read)

    def _months(self, filters):
        """How many stories of these filters' category and year each month holds: picked
        out once for a page, which asks for its count, its window and its edge."""
        chosen = (filters.category and filters.category.pk, filters.year)
        if chosen not in self._months_of:
            counts = self._counts
            months = counts.of_category.get(chosen[0], {}) if filters.category else counts.every
            if filters.year:
                year = str(filters.year)
                months = {month: count for month, count in months.items() if month[:4] == year}
            self._months_of[chosen] = months
        return self._months_of[chosen]

    def count(self, filters):
        """How many stories these filters hold: from the counts, or with a tag counted apart
        (and kept until the content changes)."""
        if not filters.tag:
            return sum(self._months(filters).values())
        chosen = ",".join(f"{name}={value}" for name, value in filters.route_kwargs().items())
        return cached(f"{self.cache_key}:count:{chosen}", filters.apply(self.stories).count)

    def window(self, filters, start, stop):
        """Where stories start..stop of these filters (newest first) lie: the first and last
        day of the months that hold them, and how many of the filters' stories are newer
        than those months; None for a tag's stories (not counted by month), or past the end.

        A page is read from these months alone, however deep in the list it is: a month of
        stories is sorted, never every story up to the page.
        """
        if filters.tag:
            return None
        months = self._months(filters)
        newer = 0
        for month in sorted(months, reverse=True):
            if newer + months[month] > start and newer <= start:
                newest_month, newer_than_window = month, newer
            newer += months[month]
            if newer >= stop:
                return (
                    _first_day(month),
                    _last_day(newest_month),
                    newer_than_window,
                )
        return None

    def edge(self, filters, stop, oldest_first=False):
        """A date that the newest `stop` stories of these filters are dated on or after
        (oldest first: the oldest `stop`, on or before): the first (last) day of the month
        in which their count reaches `stop`; None if it never does.

        A tag's stories are not counted by month: for them, the month in which the other
        filters' count reaches _reach(stop) is a guess, which first_rows checks.
        """
        if filters.tag:
            filters, stop = replace(filters, tag=None), _reach(stop)
        months = self._months(filters)
        total = 0
        for month in sorted(months, reverse=not oldest_first):
            total += months[month]
            if total >= stop:
                return _last_day(month) if oldest_first else _first_day(month)
        return None

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


@dataclass(frozen=True)
class MonthCounts:
    """StoryFacets' reading of the stories, kept until the content changes. Added up by
    month when read, not for each page: a page of every story would otherwise add up the
    counts of every category's every month (half a millisecond at 10,000 stories)."""

    categories: list  # StoryCategory, by name
    of_category: dict  # {category pk, or None: {"yyyy-mm": stories}}
    every: dict  # {"yyyy-mm": stories of every category}
    years: list  # newest first


def _first_day(month):
    """The first day of a "yyyy-mm" month."""
    return datetime.date(int(month[:4]), int(month[5:]), 1)


def _last_day(month):
    year, number = int(month[:4]), int(month[5:])
    return datetime.date(year, number, calendar.monthrange(year, number)[1])


def _reach(stop):
    # Enough of the other filters' stories to hold a page of a tag's.
    return max(stop * 2, stop + 1_000)


class StoryPaginator(Paginator):
    """Pages of stories, each as cheap to reach as the first.

    The database sorts only the months that hold a page's stories, which the index's counts
    tell (StoryFacets.window), and skips within them the stories of the page's newer
    months. A tag's stories are not counted by month: their pages are sorted from the date a
    page most likely starts at (StoryFacets.edge), a page past the middle from the other end
    of the list (the last page is the first page, reversed). Only ids are sorted: the cards
    of a page are read by them, in the same query.
    """

    def __init__(self, stories, per_page, facets, filters):
        super().__init__(stories, per_page)
        self.facets = facets
        self.filters = filters

    @cached_property
    def count(self):
        return self.facets.count(self.filters)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        edge = partial(self.facets.edge, self.filters)
        cards = StoryPage.objects.for_cards()

        def read():
            if window := self.facets.window(self.filters, bottom, top):
                first_day, last_day, newer = window
                in_months = StoryPage.objects.filter(date__lte=last_day)
                rows = first_rows(
                    from_edge(self.object_list, first_day, among=in_months),
                    bottom - newer,
                    top - newer,
                    edge=None,
                    load=cards,
                )
                # Fewer only while the counts lag behind a change being committed.
                if len(rows) == top - bottom:
                    return rows
            if bottom > self.count // 2:
                start, stop = self.count - top, self.count - bottom
                stories = self.object_list.reverse()
                return first_rows(
                    stories,
                    start,
                    stop,
                    edge(stop, oldest_first=True),
                    oldest_first=True,
                    load=cards,
                )
            return first_rows(self.object_list, bottom, top, edge(top), load=cards)

        return self._get_page(LazyRows(top - bottom, read), number, self)


class LazyRows(Sequence):
    """A page's stories, read when something first looks at them: its cards may come from
    the cache ({% cached_fragment %}), and then they are never read. How many there are is
    known beforehand, from the index's counts."""

    def __init__(self, length, read):
        self.length = length
        self.read = read

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        return self.rows[index]

    @cached_property
    def rows(self):
        return self.read()


class StoryIndexPage(RoutablePageMixin, SitePage):
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

    def child_for_route(self, request, slug):
        # Its children are stories (subpage_types), read with what their page shows, or
        # less when what it shows comes from the cache (StoryPage.get_context).
        # With what it shows from the cache, an anonymous visitor's story is too.
        fragment = Fragment(request, "story", self.pk, slug)
        shown = fragment.html is not None
        if shown and (found := cached_route(request, self, slug)) is not None:
            story = found[0]
        else:
            story = StoryPage.for_route(self, slug, lists=not shown)
            if story is None:
                return super().child_for_route(request, slug)
            if shown:
                keep_route(request, self, slug, story)
        story.story_fragment = fragment
        return story

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
        stories = filters.apply(facets.stories).order_by(*NEWEST_FIRST)
        paginator = StoryPaginator(stories, STORIES_PER_PAGE, facets, filters)
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


# StoryPage's queries written out in SQL (StoryPage.for_route, .related, .neighbours) read
# the story (s) and its page (p), with its category (c) and hero image (i) for a page or a
# card, in the index's order (NEWEST_FIRST).
_NEWEST_FIRST = 's."date" DESC, p."first_published_at" DESC, s."page_ptr_id" DESC'


@cache
def _stories_from():
    return f'{StoryPage._meta.db_table} s JOIN {Page._meta.db_table} p ON p."id" = s."page_ptr_id"'


@cache
def _shown_stories_from():
    category, image = StoryCategory._meta.db_table, get_image_model()._meta.db_table
    return (
        f'{_stories_from()} LEFT JOIN {category} c ON c."id" = s."category_id"'
        f' LEFT JOIN {image} i ON i."id" = s."hero_image_id"'
    )


def _dated(between):
    """The condition that the story's date lies `between` ({">=": date, "<=": date}), as
    from_edge() matches dates: in a subquery, on the date's index; with its values."""
    dates = " AND ".join(f'e."date" {operator} %s' for operator in between)
    subquery = f'SELECT e."page_ptr_id" FROM {StoryPage._meta.db_table} e WHERE {dates}'
    return f's."page_ptr_id" IN ({subquery})', list(between.values())


@cache
def _card_columns():
    """What StoryPage.related() selects, by the attribute of the card it makes:
    CARD_FIELDS of the story and its page, its category and its hero image whole."""
    page_fields = [Page._meta.get_field(name) for name in ("id", *LINK_FIELDS)]
    story_fields = [StoryPage._meta.pk] + [
        StoryPage._meta.get_field(name) for name in CARD_FIELDS if name not in LINK_FIELDS
    ]
    story = ("story", StoryPage, sql.columns("p", page_fields) + sql.columns("s", story_fields))
    return [story, *_category_and_image_columns()]


@cache
def _link_columns():
    """What StoryPage.neighbours() selects: the id and LINK_FIELDS, then OLDEST_FIRST."""
    pk, date = StoryPage._meta.pk, StoryPage._meta.get_field("date")
    links = [Page._meta.get_field(name) for name in LINK_FIELDS]
    published = Page._meta.get_field("first_published_at")
    return [
        *sql.columns("s", [pk]),
        *sql.columns("p", links),
        *sql.columns("s", [date]),
        *sql.columns("p", [published]),
        *sql.columns("s", [pk]),
    ]


@cache
def _story_columns():
    """What StoryPage.for_route() selects, by the attribute of the story it makes: the
    story and its page whole, its category and its hero image whole."""
    fields = StoryPage._meta.concrete_fields
    page = [field for field in fields if field.model is Page]
    story = [field for field in fields if field.model is StoryPage]
    return [
        ("story", StoryPage, sql.columns("p", page) + sql.columns("s", story)),
        *_category_and_image_columns(),
    ]


def _category_and_image_columns():
    """A shown story's category and hero image, whole, as _shown_stories_from() joins them."""
    image = get_image_model()
    return [
        ("category", StoryCategory, sql.columns("c", StoryCategory._meta.concrete_fields)),
        ("hero_image", image, sql.columns("i", image._meta.concrete_fields)),
    ]


def _edge_columns():
    """The dates StoryPage.list_edges() gives, as subqueries of for_route()'s select: as
    edge_dates() reads them, the newest stories' and this story's date's each way."""
    date, stories = StoryPage._meta.get_field("date"), StoryPage._meta.db_table

    def edge(where, order, reach):
        ordered = f'ORDER BY e."date" {order} LIMIT 1 OFFSET {reach - 1}'
        return f'(SELECT e."date" FROM {stories} e{where} {ordered})'

    return [
        (edge("", "DESC", NEWEST_REACH), date),
        (edge(' WHERE e."date" <= s."date"', "DESC", NEIGHBOUR_REACH), date),
        (edge(' WHERE e."date" >= s."date"', "ASC", NEIGHBOUR_REACH), date),
    ]


def _columns_of(groups):
    return [column for _, _, group in groups for column in group]


def _story_from_row(row, groups):
    """A story, with its category and hero image (None where it has none), from a row of
    the columns that `groups` name (_card_columns, _story_columns)."""
    db = StoryPage.objects.db
    made, values = {}, iter(row)
    for name, model, group in groups:
        read = {field.attname: next(values) for _, field in group}
        made[name] = sql.instance(model, db, read) if read[model._meta.pk.attname] else None
    story = made.pop("story")
    for name, related in made.items():
        setattr(story, name, related)
    return story


class StoryPage(SitePage):
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
        # What the page shows of the story, rendered once per generation of the content: when
        # it comes from the cache, nothing below is read. The route to the story looked for
        # it (StoryIndexPage.child_for_route); a preview never caches it.
        fragment = self.story_fragment or Fragment(
            request, "story", self.get_parent().pk, self.slug
        )
        context["story_fragment"] = fragment
        if fragment.html is not None:
            return context
        # Served, the index was read on the way here (SitePage.route); previewed, it is read.
        story_index = self.get_parent().specific
        related, previous_story, next_story = self.story_lists()
        # The hero's renditions and the related cards' in one query (and the link preview's,
        # site_config.templatetags.metadata_tags, among the hero's).
        images = [story.hero_image for story in [self, *related] if story.hero_image]
        shown = renditions("hero", "card", also=[SHARE_IMAGE_SPEC])
        prefetch_related_objects(images, Prefetch("renditions", shown))
        context.update(
            story_index=story_index,
            category_url=self.category
            and story_index.filtered_url(request, StoryFilters(category=self.category)),
            tag_links=[
                (tag, story_index.filtered_url(request, StoryFilters(tag=tag)))
                for tag in self.tag_list
            ],
            related_stories=related,
            previous_story=previous_story,
            next_story=next_story,
        )
        return context

    # The cached rendering of what the page shows, when the route that reached it looked.
    story_fragment = None

    @cached_property
    def tag_list(self):
        """The story's tags, read once for the page and its metadata."""
        return list(self.tags.all())

    def list_edges(self):
        """The dates the story's short lists are read from (first_rows): the newest stories'
        (related stories), and this story's date's, backwards and forwards (previous and
        next). for_route() reads them with the story; a preview reads them here."""
        if hasattr(self, "newest_edge"):
            return self.newest_edge, self.older_edge, self.newer_edge
        stories = StoryPage.objects.all()
        return (
            reach_edge(stories, NEWEST_REACH),
            reach_edge(stories.filter(date__lte=self.date), NEIGHBOUR_REACH),
            reach_edge(stories.filter(date__gte=self.date), NEIGHBOUR_REACH, oldest_first=True),
        )

    @classmethod
    def for_route(cls, index, slug, *, lists):
        """The story of `index` with this slug, as its page shows it, or None: with its
        category and hero image and, unless `lists` is False (the page's lists come from
        the cache), the dates its lists are read from (list_edges).

        As index.get_children() would find it with select_related() and the dates in
        subqueries, written out in SQL as related() is: the ORM took 1.7 ms of CPU to build,
        compile and run that query, of which the database's answer was 0.3 ms (10,000
        stories, SQLite).
        """
        groups = _story_columns()
        selected = _columns_of(groups) + (_edge_columns() if lists else [])
        rows = sql.select(
            StoryPage.objects.db,
            f"{sql.select_clause(selected)} FROM {_shown_stories_from()}"
            ' WHERE p."path" LIKE %s AND p."depth" = %s AND p."slug" = %s',
            [index.path + "%", index.depth + 1, slug],
            selected,
        )
        if not rows:
            return None
        story = _story_from_row(rows[0], groups)
        if lists:
            story.newest_edge, story.older_edge, story.newer_edge = rows[0][-3:]
        return story

    def story_lists(self):
        """The related stories, as cards without their renditions, and the stories just
        before and after this one in the index's order, in two queries: the related ones
        from the newest stories' edge on (as first_rows reads), the others between the
        story's own edges (neighbours); see list_edges."""
        newest_edge, older_edge, newer_edge = self.list_edges()
        related = self.related(newest_edge)
        if newest_edge is not None and len(related) < RELATED_STORIES:
            related = self.related(None)
        previous_story, next_story = self.neighbours(older_edge, newer_edge)
        return related, previous_story, next_story

    def related(self, edge):
        """Up to RELATED_STORIES of the stories in this one's category or sharing a tag
        with it, newest first, dated `edge` or later (any date: None), as for_cards() reads
        them, without their renditions.

        As siblings.filter(...).for_cards() would read them, written out in SQL (site_config
        .sql): the ORM took 2.4 ms of CPU to build, compile and run that query, of which
        the database's answer was 0.3 ms (10,000 stories, SQLite).
        """
        shared, params = self._visible_siblings()
        shown = []
        if self.category_id:
            shown.append('s."category_id" = %s')
            params.append(self.category_id)
        if self.tag_list:
            # Asked story by story as the newest are read (any_row).
            marks = ", ".join(["%s"] * len(self.tag_list))
            shown.append(
                f'(SELECT t."id" FROM {StoryPageTag._meta.db_table} t'
                f' WHERE t."content_object_id" = s."page_ptr_id" AND t."tag_id" IN ({marks})'
                " LIMIT 1) IS NOT NULL"
            )
            params += [tag.pk for tag in self.tag_list]
        if not shown:
            return []
        conditions = [*shared, f"({' OR '.join(shown)})"]
        if edge is not None:
            dated, dates = _dated({">=": edge})
            conditions.append(dated)
            params += dates
        groups = _card_columns()
        selected = _columns_of(groups)
        rows = sql.select(
            StoryPage.objects.db,
            f"{sql.select_clause(selected)} FROM {_shown_stories_from()}"
            f" WHERE {' AND '.join(conditions)} ORDER BY {_NEWEST_FIRST} LIMIT {RELATED_STORIES}",
            params,
            selected,
        )
        return [_story_from_row(row, groups) for row in rows]

    def neighbours(self, older_edge, newer_edge):
        """The stories just before and after this one in the index's order (None where
        there is none), with what a link to them needs.

        Read in one query, written out in SQL as related() is: the stories between the two
        edges, which hold the nearest NEIGHBOUR_REACH stories on each side, as rows in the
        index's order, from which the nearest on each side are picked here: a search in
        SQL for each (the comparison field by field, in a subquery) took Django two and a
        half times the CPU to build (7.4 against 3.0 ms at 10,000 stories), for a few
        dozen rows more read at most. One not found between the edges is looked for
        among all, as first_rows does.
        """
        conditions, params = self._visible_siblings()
        between = {">=": older_edge, "<=": newer_edge}
        between = {operator: edge for operator, edge in between.items() if edge is not None}
        if between:
            dated, dates = _dated(between)
            conditions.append(dated)
            params += dates
        selected = _link_columns()
        rows = sql.select(
            StoryPage.objects.db,
            f"{sql.select_clause(selected)} FROM {_stories_from()}"
            f" WHERE {' AND '.join(conditions)} ORDER BY {_NEWEST_FIRST}",
            params,
            selected,
        )
        link = len(LINK_FIELDS) + 1
        # Newest first: the first older row is the nearest older, the last newer row the
        # nearest newer.
        older = (row for row in rows if self.is_beside(row[link:], "lt"))
        newer = (row for row in reversed(rows) if self.is_beside(row[link:], "gt"))
        previous_story, next_story = (
            self._link_from_row(next(found, None)) for found in (older, newer)
        )
        if previous_story is None and older_edge is not None:
            previous_story = self.adjacent("lt", NEWEST_FIRST).first()
        if next_story is None and newer_edge is not None:
            next_story = self.adjacent("gt", OLDEST_FIRST).first()
        return previous_story, next_story

    def _link_from_row(self, row):
        """A story as only(*LINK_FIELDS) reads it, from a row that starts with its id and
        them (None for no row). The id is both the page's and the story's link to it."""
        if row is None:
            return None
        pk, *values = row[: 1 + len(LINK_FIELDS)]
        read = {"id": pk, "page_ptr_id": pk, **dict(zip(LINK_FIELDS, values, strict=True))}
        return sql.instance(StoryPage, StoryPage.objects.db, read)

    def _visible_siblings(self):
        """The conditions, on the tables of _stories_from(), and their values, that
        StoryPage.objects.sibling_of(self, inclusive=False).visible() would add."""
        conditions = ['p."path" LIKE %s', 'p."depth" = %s', 'p."live"']
        params = [self._get_parent_path_from_path(self.path) + "%", self.depth]
        if self.pk is not None:
            conditions.append('p."id" <> %s')
            params.append(self.pk)
        # Tree paths are digits and capital letters: nothing in them needs escaping.
        private = restricted_paths()
        if private:
            under = ['p."path" LIKE %s'] * len(private)
            conditions.append(f"NOT ({' OR '.join(under)})")
            params += [path + "%" for path in private]
        return conditions, params

    def is_beside(self, values, lookup):
        """beside() in Python: whether a story whose OLDEST_FIRST fields hold these values
        comes before ("lt") or after ("gt") this one. As in SQL, an empty field of the
        other story equals nothing and compares with nothing."""
        for field, theirs in zip(OLDEST_FIRST, values, strict=True):
            mine = getattr(self, field)
            if mine is None:
                continue
            if theirs is None:
                return False
            if theirs != mine:
                return theirs < mine if lookup == "lt" else theirs > mine
        return False

    def adjacent(self, lookup, order):
        """The stories before ("lt") or after ("gt") this one in the index's order, nearest
        first."""
        siblings = StoryPage.objects.sibling_of(self, inclusive=False).visible()
        stories = siblings.filter(self.beside(lookup))
        return stories.defer_streamfields().order_by(*order)

    def beside(self, lookup):
        """Stories before ("lt") or after ("gt") this one in the index's order.

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
        # The date alone as well: a range the date's index can start from, where the
        # comparison field by field is checked row by row.
        on_this_side = Q(**{f"date__{lookup}e": self.date}) if self.date else Q()
        return on_this_side & after_or_before
