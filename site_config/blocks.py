"""Blocks shared by every page body: headings, text, images, quotes, calls to action, embeds.

Content-area blocks (stories, rankings, facts, awards) live in their own apps; pages
compose them with these.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageBlock

from .pictures import renditions

RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]

# Previews in the block picker use the seed's words (home/demo/seed_homepage.txt) or
# plainly generic ones: never a claim about the university that the seed does not make.
SAMPLE_HEADING = "News & Stories"
SAMPLE_SENTENCE = (
    "Our latest endeavors are creating positive change in a dynamic global environment."
)


class LinkStructValue(blocks.StructValue):
    """A link that points at a page or an address; templates ask only for href and text.

    (Not "url": templates look up dict keys first, and "url" is a child block's name.)
    """

    def href(self):
        page = self.get("page")
        if page:
            return page.url
        return self.get("url") or ""

    def link_text(self):
        page = self.get("page")
        return self.get("label") or (page.title if page else "")


class LinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(required=False, help_text="A page of this site…")
    url = blocks.URLBlock(required=False, label="URL", help_text="…or an address elsewhere.")
    label = blocks.CharBlock(
        required=False, max_length=80, help_text="Defaults to the chosen page's title."
    )

    class Meta:
        icon = "link"
        value_class = LinkStructValue
        form_classname = "struct-block link-block"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = "Choose a page or enter a URL, not both."
            if not value.get("page") and not value.get("url"):
                message = "Choose a page or enter a URL."
            raise StructBlockValidationError(block_errors={"page": ValidationError(message)})
        if value.get("url") and not value.get("label"):
            raise StructBlockValidationError(
                block_errors={"label": ValidationError("A link to another site needs a label.")}
            )
        return value


class OptionalLinkBlock(LinkBlock):
    """A link editors may leave empty altogether."""

    def clean(self, value):
        if not value.get("page") and not value.get("url") and not value.get("label"):
            return blocks.StructBlock.clean(self, value)
        return super().clean(value)

    class Meta:
        required = False


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading (H2)"), ("h3", "Sub-heading (H3)")],
        default="h2",
        help_text="Keep headings in order: an H3 belongs under an H2.",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        label = "Heading"
        description = "A heading that starts a new part of the page."
        preview_value = {"text": SAMPLE_HEADING, "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        super().__init__(features=RICH_TEXT_FEATURES, **kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph_block.html"
        label = "Paragraph"
        description = "Text with links, lists and sub-headings."
        preview_value = f"<p>{SAMPLE_SENTENCE}</p>"


class CaptionedImageBlock(blocks.StructBlock):
    # Wagtail's ImageBlock asks for alt text, or for the image to be marked decorative.
    image = ImageBlock()
    caption = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text="Shown under the image: what it shows, and whom to credit.",
    )

    class Meta:
        icon = "image"
        template = "blocks/captioned_image_block.html"
        # Shows a placeholder where the library has no image yet.
        preview_template = "blocks/previews/captioned_image_block.html"
        label = "Image"
        description = (
            "An image across the text column, with alt text (or marked decorative) and an "
            "optional caption. Set the image's focal point in the image library."
        )

    def bulk_to_python(self, values):
        # A body's images come in one query (ImageChooserBlock.bulk_to_python): their
        # renditions in one more, rather than one per image as each <picture> asks.
        values = super().bulk_to_python(values)
        images = [value["image"] for value in values if value["image"]]
        prefetch_related_objects(images, Prefetch("renditions", renditions("body")))
        return values

    def get_preview_value(self):
        value = {"image": None, "caption": "A caption says what the image shows."}
        # The library's newest image, so that the preview looks like the site.
        if image := get_image_model().objects.order_by("-created_at").first():
            value["image"] = {"image": image, "alt_text": image.default_alt_text}
        return self.normalize(value)


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(
        required=False, max_length=120, help_text="Who said it, and their role."
    )

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"
        label = "Quote"
        description = "A quotation, with who said it."
        preview_value = {
            "quote": "Dedicated to training a new generation of tech-savvy doctors.",
            "attribution": "",
        }


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, help_text="A sentence or two; keep it short.")
    link = LinkBlock(help_text="Where the button goes; its label says what happens there.")

    class Meta:
        icon = "expand-right"
        template = "blocks/call_to_action_block.html"
        label = "Call to action"
        description = "A short invitation with one button."
        preview_value = {
            "heading": SAMPLE_HEADING,
            "text": SAMPLE_SENTENCE,
            "link": {"url": "https://example.org/", "label": "Read the stories"},
        }


class CaptionedEmbedBlock(blocks.StructBlock):
    embed = EmbedBlock(help_text="A YouTube, Vimeo or other oEmbed address.")
    caption = blocks.CharBlock(
        required=False, max_length=250, help_text="Shown under the media: what it is."
    )

    class Meta:
        icon = "media"
        template = "blocks/embed_block.html"
        # A frame where the media will play: fetching a sample from a provider would make
        # the picker wait on another site (or fail offline).
        preview_template = "blocks/previews/embed_block.html"
        label = "Video or media"
        description = "A video or other media from another site, with a caption."
        preview_value = {"caption": "A caption says what the video shows."}


class GeneralContentBlock(blocks.StreamBlock):
    """The body of stories and content pages."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    embed = CaptionedEmbedBlock()

    class Meta:
        # For when it is offered inside another page's body (the accolades page).
        description = "Headings, text, images, quotes, calls to action and media, in any order."
        preview_value = [
            ("heading", {"text": SAMPLE_HEADING, "level": "h2"}),
            ("paragraph", f"<p>{SAMPLE_SENTENCE}</p>"),
        ]


SOCIAL_PLATFORMS = [
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("linkedin", "LinkedIn"),
    ("x", "X"),
    ("youtube", "YouTube"),
    ("weibo", "Weibo"),
    ("wechat", "WeChat"),
    ("other", "Other"),
]


class SocialLinkStructValue(blocks.StructValue):
    def name(self):
        return self.get("label") or dict(SOCIAL_PLATFORMS).get(self.get("platform"), "")


class SocialLinkBlock(blocks.StructBlock):
    platform = blocks.ChoiceBlock(choices=SOCIAL_PLATFORMS)
    url = blocks.URLBlock(label="URL")
    label = blocks.CharBlock(
        required=False, max_length=60, help_text="Shown instead of the platform's name."
    )

    class Meta:
        icon = "site"
        value_class = SocialLinkStructValue
