"""The kinds of picture the site shows, and the renditions of each (see picture_tags): kept
here so that the lists that show them prefetch those renditions alone."""

from django.utils.safestring import mark_safe
from wagtail.images import get_image_model
from wagtail.images.models import Filter

# What a link preview shows of a page's hero image (templatetags/metadata_tags.py): the
# 1.91:1 size link previews show large, as JPEG, which every crawler reads.
SHARE_IMAGE_SPEC = "fill-1200x630|format-jpeg"


class Kind:
    """Where a picture is shown: its renditions' filters (each width in WebP and JPEG),
    the sizes attribute, and the <img>'s loading attributes."""

    def __init__(self, widths, sizes, *, attributes):
        self.specs = Filter.expand_spec([widths, "format-{webp,jpeg}"])
        # Made once: a Filter keeps nothing of the image it is used for.
        self.filters = [Filter(spec=spec) for spec in self.specs]
        self.sizes = sizes
        self.attributes = mark_safe(attributes)  # noqa: S308 - constants, below


LAZY = ' loading="lazy" decoding="async"'
KINDS = {
    "hero": Kind(
        "fill-{640x360,1280x720,1920x1080}",
        "(min-width: 76rem) 72rem, 100vw",
        attributes=' loading="eager"',
    ),
    "card": Kind(
        "fill-{400x225,800x450,1200x675}",
        "(min-width: 76rem) 23rem, (min-width: 40rem) 50vw, 100vw",
        attributes=f'{LAZY} class="card__image"',
    ),
    "portrait": Kind(
        "fill-{80x80,160x160,240x240}", "4.5rem", attributes=f'{LAZY} class="award__photo"'
    ),
    "body": Kind("width-{480,960,1440}", "(min-width: 50rem) 46rem, 100vw", attributes=LAZY),
}


def renditions(*kinds, also=()):
    """The renditions that pictures of these kinds show (and the specs `also`), as a
    queryset for Prefetch: an image has renditions for every place it was shown (a card,
    a hero, a link preview), and a list of cards needs six of them for each."""
    specs = [spec for kind in kinds for spec in KINDS[kind].specs] + list(also)
    return get_image_model().get_rendition_model().objects.filter(filter_spec__in=specs)
