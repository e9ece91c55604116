"""Admin views for people and awards: their CSV export, what their inspect pages show, and
the deletion that refuses to take an award off a live page behind the editors' backs."""

from django.contrib.admin.utils import lookup_field
from django.contrib.contenttypes.models import ContentType
from django.utils.functional import cached_property
from django.utils.text import capfirst
from wagtail.admin import messages
from wagtail.models import Page, ReferenceIndex
from wagtail_modeladmin.views import DeleteView, IndexView, InspectView


def live_pages_showing(awards):
    """The live pages whose content chooses any of these awards, in tree order.

    The reference index is kept from each page's row, which holds a live page's live
    content, so a draft that removes the award does not free it until it is published.
    """
    references = ReferenceIndex.get_references_to_in_bulk(awards).filter(
        base_content_type=ContentType.objects.get_for_model(Page)
    )
    page_ids = {int(pk) for pk in references.values_list("object_id", flat=True)}
    return list(Page.objects.live().filter(pk__in=page_ids).order_by("path"))


class RecordIndexView(IndexView):
    def to_row_dict(self, item):
        # A blank field exports as an empty cell, not as the listing's "-": a spreadsheet
        # can then sort and sum the years.
        return {field: lookup_field(field, item, self.model_admin)[2] for field in self.list_export}


class ShownAwardsMixin:
    """For the views of a ModelAdmin whose `awards_of(instance)` gives the awards that a
    record stands for: an award itself, or a person's awards."""

    @cached_property
    def pages_showing(self):
        return live_pages_showing(self.model_admin.awards_of(self.instance))


class RecordInspectView(ShownAwardsMixin, InspectView):
    def get_field_label(self, field_name, field=None):
        # Model fields' verbose names are lower case ("role"); the other labels are not.
        return capfirst(super().get_field_label(field_name, field))

    def get_field_display_value(self, field_name, field=None):
        if field_name == "awards":
            awards = self.instance.awards.all()
            return "; ".join(award.citation for award in awards) or "None"
        return super().get_field_display_value(field_name, field)

    def get_fields_dict(self):
        titles = [page.get_admin_display_title() for page in self.pages_showing]
        return [
            *super().get_fields_dict(),
            {"label": "Shown on live pages", "value": ", ".join(titles) or "None"},
        ]


class RecordDeleteView(ShownAwardsMixin, DeleteView):
    """Deletes a person or an award only when no live page shows the award(s): deleting
    would take them off those pages without a word. The pages are named instead."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(pages_showing=self.pages_showing, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.pages_showing:
            return super().post(request, *args, **kwargs)
        titles = ", ".join(page.get_admin_display_title() for page in self.pages_showing)
        messages.error(
            request,
            f"'{self.instance}' was not deleted: it is shown on these live pages: {titles}.",
        )
        return self.render_to_response(self.get_context_data())
