from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from site_config.blocks import GeneralContentBlock

STORIES_PER_PAGE = 12


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
            .order_by("-date", "-first_published_at", "-pk")
        )


StoryPageManager = PageManager.from_queryset(StoryPageQuerySet)


class StoryIndexPage(Page):
    """News & Stories: every story, newest first, filterable by category and year."""

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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stories = self.stories()

        # Filter options come from the unfiltered stories, so none leads to an empty page.
        categories = StoryCategory.objects.filter(
            pk__in=stories.exclude(category=None).values("category")
        )
        years = [day.year for day in stories.dates("date", "year", order="DESC")]

        category = None
        if category_slug := request.GET.get("category"):
            category = next((c for c in categories if c.slug == category_slug), None)
            if category is None:
                raise Http404("No stories in that category.")
            stories = stories.filter(category=category)

        year = None
        if year_param := request.GET.get("year"):
            if not (year_param.isascii() and year_param.isdigit() and int(year_param) in years):
                raise Http404("No stories from that year.")
            year = int(year_param)
            stories = stories.filter(date__year=year)

        paginator = Paginator(stories.for_cards(), STORIES_PER_PAGE)
        try:
            stories_page = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage) as error:
            raise Http404("No such page of stories.") from error

        filters = {"category": category and category.slug, "year": year}
        context.update(
            stories=stories_page,
            filter_query=urlencode({key: value for key, value in filters.items() if value}),
            categories=categories,
            years=years,
            selected_category=category,
            selected_year=year,
        )
        return context


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

    search_fields = Page.search_fields + [
        index.SearchField("intro"),
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

    def clean(self):
        super().clean()
        if self.hero_image and not self.hero_image_alt.strip():
            raise ValidationError(
                {"hero_image_alt": "Describe the hero image for people who cannot see it."}
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["story_tags"] = self.tags.all()
        return context
