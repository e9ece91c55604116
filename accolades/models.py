from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from site_config.pages import SitePage, is_under, restricted_paths
from site_config.pictures import renditions

from .blocks import AccoladesPageBodyBlock

# An edition or award year outside this range is a typing mistake, not a record.
YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2100)]


class Person(index.Indexed, models.Model):
    honorific = models.CharField(max_length=40, blank=True, help_text="Such as Prof., Dr. or Mr.")
    name = models.CharField(
        max_length=120, help_text="As the person writes it, such as Kai Lung HUI."
    )
    role = models.CharField(
        max_length=200, blank=True, help_text="Position and department, such as a job title."
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    profile_url = models.URLField("profile link", blank=True)

    panels = [
        FieldPanel("honorific"),
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("photo"),
        FieldPanel("profile_url"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Awards are found by their person's name (admin search, the award chooser): keep
        # their index entries in step with a renamed person.
        for award in self.awards.all():
            index.insert_or_update_object(award)

    @property
    def display_name(self):
        return f"{self.honorific} {self.name}".strip()


class AwardQuerySet(models.QuerySet):
    def for_cards(self):
        """What an award card shows, in one query plus one for the photos' renditions."""
        return self.select_related("person", "person__photo", "story").prefetch_related(
            Prefetch("person__photo__renditions", renditions("portrait"))
        )


class Award(index.Indexed, models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="awards")
    title = models.CharField("award", max_length=255)
    awarding_body = models.CharField(
        max_length=200, blank=True, help_text="Who gave the award, such as Stanford University."
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, validators=YEAR_VALIDATORS)
    description = models.TextField(blank=True)
    story = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A story about this award, if there is one.",
    )

    panels = [
        FieldPanel("person"),
        MultiFieldPanel(
            [FieldPanel("title"), FieldPanel("awarding_body"), FieldPanel("year")],
            heading="Award",
        ),
        FieldPanel("description"),
        PageChooserPanel("story", "stories.StoryPage"),
    ]
    objects = AwardQuerySet.as_manager()
    search_fields = [
        index.SearchField("title"),
        index.SearchField("awarding_body"),
        index.AutocompleteField("title"),
        index.RelatedFields("person", [index.SearchField("name"), index.AutocompleteField("name")]),
        index.FilterField("year"),
    ]

    class Meta:
        ordering = ["-year", "title"]

    def __str__(self):
        return f"{self.person}: {self.title}"

    @property
    def public_story(self):
        """The story about the award if visitors may read it: live and not private (a
        private story's title must not show on the cards that link to it). The privacy
        restrictions are read once and kept until the content changes (restricted_paths)."""
        story = self.story
        if story is None or not story.live or is_under(story, restricted_paths()):
            return None
        return story

    @property
    def citation(self):
        """The award as one line: title, year and awarding body where known."""
        parts = [self.title]
        if self.year:
            parts.append(str(self.year))
        if self.awarding_body:
            parts.append(f"by {self.awarding_body}")
        return " ".join(parts)


class AccoladesPage(SitePage):
    """Rankings & Accolades: the rankings and facts an editor places, then every award."""

    intro = models.TextField(blank=True)
    body = StreamField(AccoladesPageBodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = "rankings & accolades page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["awards"] = Award.objects.for_cards()
        return context
