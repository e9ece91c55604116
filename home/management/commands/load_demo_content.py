"""Build the demo site from the seed: home page sections, stories, accolades, settings.

Idempotent: whatever already exists (matched by slug or name) is left as it is, so an
editor's changes survive a second run. With --if-empty it loads nothing once the site has
a home page of ours, which is what `make run` uses. Either way it ends by setting up the
editors' roles and workflow (ensure_roles).
"""

import uuid

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Locale, Page, Site

from accolades.models import AccoladesPage, Award, Person
from home.demo import content
from home.models import HomePage
from site_config.models import SiteSettings
from stories.models import StoryIndexPage, StoryPage


def stream(*blocks):
    """StreamField raw data with ids, as the editor would save it."""
    return [{"type": kind, "value": value, "id": str(uuid.uuid4())} for kind, value in blocks]


def list_items(values):
    return [{"type": "item", "value": value, "id": str(uuid.uuid4())} for value in values]


class Command(BaseCommand):
    help = "Create the demo site from the seed home page; leaves existing content alone."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the site already has a home page.",
        )

    @transaction.atomic
    def handle(self, *args, if_empty=False, **options):
        if if_empty and HomePage.objects.exists():
            self.stdout.write("The site already has content: demo content not loaded.")
        else:
            self.load()
        # On a site with content too, so that `make run` sets up roles added since.
        call_command("ensure_roles", stdout=self.stdout)

    def load(self):
        home = self.home_page()
        index = self.child_page(home, StoryIndexPage, **content.STORY_INDEX, show_in_menus=True)
        # Created oldest first, so that the seed's first story is the newest published.
        for story in reversed(content.STORIES):
            self.child_page(index, StoryPage, **story)
        awards = self.awards()
        self.child_page(
            home,
            AccoladesPage,
            **content.ACCOLADES_PAGE,
            show_in_menus=True,
            body=stream(self.rankings_section(), self.facts_section()),
        )
        if not home.body:
            home.body = self.home_body(index, awards)
            self.publish(home)
        self.site_settings(home)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))

    def publish(self, page):
        # Page.save() skips validation for drafts; the demo must be valid content.
        page.full_clean()
        page.save_revision().publish()

    def home_page(self):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site and isinstance(site.root_page.specific, HomePage):
            return site.root_page.specific

        root = Page.get_first_root_node()
        if root is None:
            # A flushed database (as after a transactional test) has no tree at all.
            locale, _ = Locale.objects.get_or_create(language_code="en")
            root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        home = HomePage(title="Home", slug="home-page")
        root.add_child(instance=home)
        self.publish(home)

        if site:
            welcome = site.root_page
            site.root_page = home
            site.site_name = content.SITE_NAME
            site.save()
            # Wagtail's "Welcome to your new Wagtail site!" placeholder has no use now.
            if type(welcome.specific) is Page and not welcome.get_children().exists():
                welcome.delete()
        else:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=content.SITE_NAME,
            )
        return home

    def child_page(self, parent, model, *, slug, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        self.publish(page)
        return page

    def awards(self):
        awards = []
        for record in content.AWARDS:
            person, _ = Person.objects.get_or_create(
                name=record["name"], defaults={"honorific": record["honorific"]}
            )
            award, _ = Award.objects.get_or_create(
                person=person,
                title=record["title"],
                defaults={"year": record["year"], "awarding_body": record["awarding_body"]},
            )
            awards.append(award)
        return awards

    def rankings_section(self):
        items = [
            (
                "ranking",
                {
                    "name": ranking["name"],
                    "year": ranking["year"],
                    "positions": list_items(
                        {"rank": rank, "scope": scope} for rank, scope in ranking["positions"]
                    ),
                    "publisher_note": ranking["publisher_note"],
                    "source_url": "",
                },
            )
            for ranking in content.RANKINGS
        ]
        items += [
            ("distinction", {**distinction, "year": None, "awarding_body": "", "source_url": ""})
            for distinction in content.DISTINCTIONS
        ]
        return ("rankings", {**content.RANKINGS_SECTION, "items": stream(*items)})

    def facts_section(self):
        facts = list_items({"figure": "", **fact} for fact in content.FACTS)
        return ("facts", {"heading": content.FACTS_HEADING, "intro": "", "facts": facts})

    def home_body(self, index, awards):
        return stream(
            (
                "latest_stories",
                {
                    "heading": index.title,
                    "intro": index.intro,
                    "count": 3,
                    "category": None,
                    "link": index.pk,
                },
            ),
            ("heading", {"text": content.LEAD_HEADING, "level": "h2"}),
            self.rankings_section(),
            self.facts_section(),
            (
                "accolades",
                {"heading": "", "intro": "", "awards": list_items(a.pk for a in awards)},
            ),
            (
                "statement",
                {
                    "heading": "",
                    "text": f"<p>{content.STATEMENT}</p>",
                    "link": {"page": None, "url": "", "label": ""},
                },
            ),
        )

    def site_settings(self, home):
        site = Site.objects.get(root_page=home)
        settings = SiteSettings.for_site(site)
        if not settings.site_name:
            settings.site_name = content.SITE_NAME
            settings.short_name = content.SHORT_NAME
            settings.save()
