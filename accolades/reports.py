"""Claims to check: every ranking, distinction and fact visitors see whose edition is too
old or has no year, as an admin report and a dashboard panel.

The report reads the live content of live pages, because that is what visitors see: a
claim an editor has fixed in a draft stays listed until the draft is published, and a
claim in a page that was never published is not listed.
"""

from dataclasses import dataclass
from functools import cache

from django.urls import reverse
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.blocks.list_block import ListValue
from wagtail.fields import StreamField
from wagtail.models import Page, get_page_models
from wagtail.permissions import policy_registry

from .blocks import ClaimStructValue, oldest_current_edition

# Who sees the report: anyone who may add, edit or publish some page, as for Wagtail's
# own page reports. Each sees the claims on the pages they may edit.
REPORT_PERMISSIONS = ["add", "change", "publish"]
PANEL_LENGTH = 5


@dataclass(frozen=True)
class Claim:
    kind: str
    label: str
    year: int | None
    page: Page
    block_id: str

    @classmethod
    def from_value(cls, value, page, block_id):
        return cls(
            # RankingBlock → "Ranking": a claim block's class says what it is.
            kind=type(value.block).__name__.removesuffix("Block"),
            label=value.get("name") or value.get("title") or value.get("label") or "",
            year=value.get("year"),
            page=page,
            block_id=block_id,
        )

    @property
    def needs_checking(self):
        return not self.year or self.year < oldest_current_edition()

    @property
    def edit_url(self):
        # The block's panel in the page editor. Unlike Wagtail's "#:w:contentpath=" links,
        # an element's id makes the browser open the collapsed sections around it.
        edit = reverse("wagtailadmin_pages:edit", args=[self.page.pk])
        return f"{edit}#block-{self.block_id}-section"


def holds_claims(block):
    """True when a block is a claim or has one among its children, at any depth."""
    value_class = getattr(block.meta, "value_class", None)
    if isinstance(value_class, type) and issubclass(value_class, ClaimStructValue):
        return True
    children = list(getattr(block, "child_blocks", {}).values())
    if isinstance(block, blocks.ListBlock):
        children.append(block.child_block)
    return any(holds_claims(child) for child in children)


@cache
def claim_fields():
    """(page model, field name) for every page StreamField that can hold a claim.

    Local fields only: a page type that inherits such a field is read with its parent's.
    """
    return [
        (model, field.name)
        for model in get_page_models()
        for field in model._meta.local_fields
        if isinstance(field, StreamField) and holds_claims(field.stream_block)
    ]


def claims_in(value, block_id=None):
    """Yield (claim value, block id) for every claim inside a block value: the id of the
    stream or list item that is the claim or, for a claim inside a struct, holds it."""
    if isinstance(value, ClaimStructValue):
        yield value, block_id
    elif isinstance(value, blocks.StreamValue):
        for child in value:
            yield from claims_in(child.value, child.id)
    elif isinstance(value, ListValue):
        for child in value.bound_blocks:
            yield from claims_in(child.value, child.id)
    elif isinstance(value, blocks.StructValue):
        for child_value in value.values():
            yield from claims_in(child_value, block_id)


def claims_to_check(pages):
    """The claims to check on the live ones of these pages: those without a year first,
    then the oldest editions; in page tree and document order within a year."""
    found = []
    for model, field_name in claim_fields():
        live_pages = model.objects.live().filter(pk__in=pages.values("pk")).order_by("path")
        for page in live_pages:
            for value, block_id in claims_in(getattr(page, field_name)):
                claim = Claim.from_value(value, page, block_id)
                if claim.needs_checking:
                    found.append(claim)
    return sorted(found, key=lambda claim: (claim.year or 0, claim.page.path))


def page_permission_policy():
    return policy_registry.get_by_type(Page)


def user_can_see_report(user):
    return page_permission_policy().user_has_any_permission(user, REPORT_PERMISSIONS)


def claims_to_check_for(user):
    """The claims to check on the pages this user may edit."""
    return claims_to_check(
        page_permission_policy().instances_user_has_permission_for(user, "change")
    )


class ClaimsReportView(ReportView):
    page_title = "Claims to check"
    header_icon = "time"
    results_template_name = "accolades/admin/claims_report_results.html"
    index_url_name = "accolades_claims_report"
    index_results_url_name = "accolades_claims_report_results"
    any_permission_required = REPORT_PERMISSIONS
    no_results_message = "Every ranking, distinction and fact on the live pages is current."
    columns = [
        TitleColumn("label", label="Claim", get_url=lambda claim: claim.edit_url),
        Column("kind", label="Type"),
        Column("year", label="Edition", accessor=lambda claim: claim.year or "No year"),
        Column("page", label="Page", accessor=lambda claim: claim.page.get_admin_display_title()),
    ]

    @cached_property
    def permission_policy(self):
        return page_permission_policy()

    def get_queryset(self):
        return claims_to_check_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oldest_current_edition"] = oldest_current_edition()
        return context


class ClaimsReportMenuItem(MenuItem):
    def is_shown(self, request):
        return user_can_see_report(request.user)


class ClaimsToCheckPanel(Component):
    """The dashboard's count of claims to check, the first few, and a link to them all."""

    name = "claims_to_check"
    template_name = "accolades/admin/claims_to_check_panel.html"
    order = 150

    def get_context_data(self, parent_context):
        claims = claims_to_check_for(parent_context["request"].user)
        return {
            "claims": claims[:PANEL_LENGTH],
            "count": len(claims),
            "report_url": reverse("accolades_claims_report"),
        }

    def render_html(self, parent_context):
        # Like Wagtail's own panels, nothing at all when there is nothing to do.
        if not user_can_see_report(parent_context["request"].user):
            return ""
        return super().render_html(parent_context)
