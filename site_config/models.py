from functools import partial

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Site

from .blocks import SocialLinkBlock
from .content_cache import cached


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """What the header and footer of every page say about the institution."""

    site_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The institution's name, shown in the header and footer.",
    )
    short_name = models.CharField(
        max_length=40, blank=True, help_text="An abbreviation for small screens, such as HKUST."
    )
    address = models.TextField(blank=True, help_text="Postal address, shown in the footer.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    social_links = StreamField([("link", SocialLinkBlock())], blank=True)

    panels = [
        FieldPanel("site_name"),
        FieldPanel("short_name"),
        FieldPanel("address"),
        FieldPanel("phone"),
        FieldPanel("email"),
        FieldPanel("social_links"),
    ]

    class Meta:
        verbose_name = "Site settings"

    def __str__(self):
        return self.site_name or "Site settings"

    @classmethod
    def for_request(cls, request):
        """The settings of the request's site, as Wagtail's for_request gives them (kept on
        the request), but read from the database once per generation of the content: the
        settings are watched (site_config.apps), so a change starts a new one."""
        attribute = cls.get_cache_attr_name()
        if not hasattr(request, attribute):
            # A host that no site answers to, with no default site to fall back on: the
            # request's answer (a 404) is still a page, with blank settings.
            found = cls()
            if site := Site.find_for_request(request):
                found = cached(f"site-settings:{site.pk}", partial(cls.for_site, site))
            found._request = request  # as Wagtail's: page links in settings use it
            setattr(request, attribute, found)
        return getattr(request, attribute)
