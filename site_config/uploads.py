"""Wagtail's image form with two gaps of its file checks closed (WAGTAILIMAGES_IMAGE_FORM_BASE).

Wagtail 8.0 learns an upload's size in pixels from Willow, which decodes the whole image
first: a PNG of a few kilobytes that declares 10,000 x 10,000 pixels (under Pillow's own
bomb limit) is decompressed into hundreds of megabytes before the site's limit refuses it,
and a file whose image data is cut short makes Pillow raise an error that Wagtail does not
catch, an error page instead of a message. Here the size is read from the header first, and
image data that cannot be decoded is refused as not an image.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


class CheckedImageField(WagtailImageField):
    def check_image_pixel_size(self, f):
        self.check_declared_pixels(f)
        try:
            super().check_image_pixel_size(f)
        except (OSError, SyntaxError, ValueError) as error:
            # What Pillow raises for broken or truncated image data.
            raise ValidationError(
                self.error_messages["invalid_image"], code="invalid_image"
            ) from error

    def check_declared_pixels(self, f):
        if self.max_image_pixels is None:
            return
        try:
            # Pillow reads only the header here; it raises for sizes far over its own limit.
            with PILImage.open(f) as image:
                width, height = image.size
        except PILImage.DecompressionBombError:
            pixels = None
        except (UnidentifiedImageError, OSError):
            return  # a format Pillow cannot read (SVG): left to Wagtail's checks
        else:
            pixels = width * height
            if pixels <= self.max_image_pixels:
                return
        finally:
            f.seek(0)
        raise ValidationError(
            self.error_messages["file_too_many_pixels"]
            % {
                "num_pixels": _("unknown number") if pixels is None else pixels,
                "max_pixels_count": self.max_image_pixels,
            },
            code="file_too_many_pixels",
        )


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Replaced here rather than declared on the class: a declared field would stay in
        # the multiple-upload's edit form, which leaves the file out.
        if generated := self.fields.get("file"):
            self.fields["file"] = CheckedImageField(
                label=generated.label, required=generated.required, widget=generated.widget
            )
