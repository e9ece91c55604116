"""Every image of the site, one way: `{% picture_of image kind alt=... %}`.

A <picture> with WebP sources and a JPEG <img> fallback, each in several widths for the
browser to choose from, with the width and height of the rendition so that the page does
not shift as it loads:

    image: an Image (nothing is shown without one)
    kind:  where it is shown, which sets the crop, the widths and the loading
           (site_config.pictures.KINDS):
           "hero"     a story's hero, 16:9, loaded at once: it is the top of the page
           "card"     a story card, 16:9, loaded lazily
           "portrait" a person's photo, square, loaded lazily
           "body"     an image in a body of text, uncropped, loaded lazily
    alt:   what the image shows; "" for a decorative image, or one that repeats text beside
           it

fill- crops keep the image's focal point (set in the image library) inside the crop.
Renditions are never larger than the original, so a small original gives the same width
more than once: each width is listed once, as srcset requires.

Written here rather than in a template with Wagtail's {% picture %}, for what a page of
cards costs: Wagtail's tag makes and parses a Filter for each rendition on every render
(here each kind's are made once), and the template's loops and lookups cost more than the
renditions themselves. With a picture on each of its twelve cards, the story index
rendered whole took 14.9 ms of CPU that way, and 10.7-10.9 ms this way (in-process,
SQLite, 10,000 stories): about 0.1 ms a picture, half of it the renditions' URLs.
"""

from django import template
from django.utils.html import format_html
from wagtail.images.models import Picture
from wagtail.images.shortcuts import get_renditions_or_not_found

from site_config.pictures import KINDS

register = template.Library()


PICTURE = """<picture>
    <source type="image/webp" sizes="{sizes}"
        srcset="{webp}">
    <img src="{src}" width="{width}" height="{height}" alt="{alt}"
        srcset="{jpeg}"
        sizes="{sizes}"{attributes}>
</picture>"""


@register.simple_tag
def picture_of(image, kind, alt=""):
    if not image:
        return ""
    kind = KINDS[kind]
    formats = Picture(get_renditions_or_not_found(image, kind.filters)).formats
    fallback = formats["jpeg"][0]
    return format_html(
        PICTURE,
        sizes=kind.sizes,
        webp=srcset(formats["webp"]),
        src=fallback.url,
        width=fallback.width,
        height=fallback.height,
        alt=alt,
        jpeg=srcset(formats["jpeg"]),
        attributes=kind.attributes,
    )


def srcset(renditions):
    """Renditions as a srcset attribute lists them ("url 400w, url 800w"), each width once."""
    listed, last_width = [], None
    for rendition in renditions:
        if rendition.width != last_width:
            listed.append(f"{rendition.url} {rendition.width}w")
            last_width = rendition.width
    return ", ".join(listed)
