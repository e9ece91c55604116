"""What a page tells search engines and link previews: its canonical address, description,
OpenGraph and Twitter card tags, and JSON-LD.

Values are built here and the templates only print them. JSON-LD is a dict serialised
with json.dumps, never text assembled in a template.
"""

import json
from urllib.parse import urljoin

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page, Site

from site_config.models import SiteSettings
from site_config.pictures import SHARE_IMAGE_SPEC

register = template.Library()

DESCRIPTION_LENGTH = 160
# As django.utils.html.json_script escapes: no text inside can close the <script> element.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def current_page(context):
    """The Wagtail page being served; None on views of their own (search, errors)."""
    page = context.get("page")
    return page if isinstance(page, Page) else None


def site_root_url(request):
    """The site's address as its page URLs use it, such as https://www.example.edu."""
    return Site.find_for_request(request).root_url


def without_blanks(data):
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def isoformat(value):
    return value.isoformat() if value else None


def is_article(page):
    """Pages with a publication date (stories) are articles; the others describe the site."""
    return getattr(page, "date", None) is not None


def page_title(page, request):
    """The title a link preview shows: the home page goes by the institution's name."""
    if page.seo_title:
        return page.seo_title
    if page.pk == Site.find_for_request(request).root_page_id:
        return SiteSettings.for_request(request).site_name or page.title
    return page.title


def one_line(text):
    return " ".join(text.split())


def page_description(page):
    """The editor's search description as written, else the page's intro shortened."""
    if page.search_description:
        return one_line(page.search_description)
    # An intro is written for cards, at any length; search results show about this much.
    return Truncator(one_line(getattr(page, "intro", ""))).chars(DESCRIPTION_LENGTH)


def share_image(page, request):
    """The page's hero image as link previews show it, or None without one."""
    image = getattr(page, "hero_image", None)
    if image is None:
        return None
    try:
        rendition = image.get_rendition(SHARE_IMAGE_SPEC)
    except SourceImageIOError:
        # The file is missing from storage: the page still renders, without a preview image.
        return None
    return {
        # Renditions on object storage have absolute URLs already; urljoin keeps them.
        "url": urljoin(site_root_url(request), rendition.url),
        "width": rendition.width,
        "height": rendition.height,
        "alt": getattr(page, "hero_image_alt", ""),
    }


def meta_tags(*, site_name, og_type, title, description="", image=None):
    """(attribute, key, value) of each <meta> tag, leaving out those with no value."""
    tags = [
        ("name", "description", description),
        ("property", "og:type", og_type),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:site_name", site_name),
    ]
    if image:
        tags += [
            ("property", "og:image", image["url"]),
            ("property", "og:image:width", image["width"]),
            ("property", "og:image:height", image["height"]),
            ("property", "og:image:alt", image["alt"]),
        ]
    tags += [
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
    ]
    if image:
        tags += [
            ("name", "twitter:image", image["url"]),
            ("name", "twitter:image:alt", image["alt"]),
        ]
    return [(attribute, key, value) for attribute, key, value in tags if value]


@register.inclusion_tag("includes/metadata.html", takes_context=True)
def page_metadata(context):
    """Description, OpenGraph and Twitter card tags; the address is in canonical_link."""
    request = context["request"]
    site_name = SiteSettings.for_request(request).site_name
    page = current_page(context)
    if page is None:
        # Search and error pages: only what is true of the whole site.
        return {"tags": meta_tags(site_name=site_name, og_type="website", title=site_name)}
    return {
        "tags": meta_tags(
            site_name=site_name,
            og_type="article" if is_article(page) else "website",
            title=page_title(page, request),
            description=page_description(page),
            image=share_image(page, request),
        )
    }


@register.simple_tag(takes_context=True)
def canonical_link(context, url=None):
    """The page's one address, for search engines (canonical) and link previews (og:url).

    A view that is not a page (search) has its path, without the query, as its address;
    a view that knows better (a filtered list of stories) passes its own url.
    Error pages override the template block that calls this, so they claim no address.
    """
    request = context["request"]
    if url is None:
        page = current_page(context)
        if page is None:
            url = urljoin(site_root_url(request), escape_uri_path(request.path))
        else:
            # None for a page that has no address yet, such as a preview of a new one.
            url = page.get_full_url(request)
    if not url:
        return ""
    return format_html(
        '<link rel="canonical" href="{}">\n    <meta property="og:url" content="{}">', url, url
    )


def json_ld(data):
    """A JSON-LD <script> that no string inside it can close or break."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def institution(request):
    settings = SiteSettings.for_request(request)
    return without_blanks(
        {
            "@type": "CollegeOrUniversity",
            "name": settings.site_name,
            "alternateName": settings.short_name,
            "url": urljoin(site_root_url(request), "/"),
            "sameAs": [link.value["url"] for link in settings.social_links],
        }
    )


@register.simple_tag(takes_context=True)
def institution_json_ld(context):
    """For the home page: the university, and its website with the search it offers."""
    request = context["request"]
    home_url = urljoin(site_root_url(request), "/")
    search_url = urljoin(home_url, reverse("search:search"))
    website = {
        "@type": "WebSite",
        "name": SiteSettings.for_request(request).site_name,
        "url": home_url,
        "potentialAction": {
            "@type": "SearchAction",
            "target": f"{search_url}?q={{search_term_string}}",
            "query-input": "required name=search_term_string",
        },
    }
    return json_ld(
        {
            "@context": "https://schema.org",
            "@graph": [institution(request), without_blanks(website)],
        }
    )


@register.simple_tag(takes_context=True)
def news_article_json_ld(context):
    """For a story: the NewsArticle search engines show in news results."""
    request = context["request"]
    page = context["page"]
    url = page.get_full_url(request)
    image = share_image(page, request)
    return json_ld(
        without_blanks(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": page.title,
                "description": page.intro,
                "datePublished": isoformat(page.date),
                "dateModified": isoformat(page.last_published_at),
                "url": url,
                "mainEntityOfPage": url,
                "image": [image["url"]] if image else None,
                "publisher": institution(request),
                "articleSection": page.category.name if page.category else None,
                # A story reads its tags once for its page and this (StoryPage.tag_list).
                "keywords": [tag.name for tag in page.tag_list],
            }
        )
    )
