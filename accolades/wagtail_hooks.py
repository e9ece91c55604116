from django.urls import path, reverse
from wagtail import hooks
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from .admin_views import RecordDeleteView, RecordIndexView, RecordInspectView
from .models import Award, Person
from .reports import ClaimsReportMenuItem, ClaimsReportView, ClaimsToCheckPanel
from .views import award_chooser_viewset


class RecordAdmin(ModelAdmin):
    """A person or an award: exported to CSV, inspected with the live pages that show
    it, and deleted only when none does (see RecordDeleteView)."""

    index_view_class = RecordIndexView
    inspect_view_enabled = True
    inspect_view_class = RecordInspectView
    delete_view_class = RecordDeleteView
    delete_template_name = "accolades/admin/delete.html"

    def awards_of(self, instance):
        raise NotImplementedError


class PersonAdmin(RecordAdmin):
    model = Person
    menu_icon = "user"
    list_display = ["name", "honorific", "role"]
    search_fields = ["name", "role"]
    inspect_view_fields = ["honorific", "name", "role", "photo", "profile_url", "awards"]
    list_export = ["honorific", "name", "role", "profile_url"]
    export_filename = "people"

    def awards_of(self, person):
        return person.awards.all()


class AwardAdmin(RecordAdmin):
    model = Award
    menu_icon = "success"
    list_display = ["title", "person", "awarding_body", "year"]
    list_filter = ["year", "awarding_body"]
    list_select_related = ["person"]
    search_fields = ["title", "person__name", "awarding_body"]
    inspect_view_fields = ["person", "title", "awarding_body", "year", "description", "story"]
    list_export = ["person", "title", "awarding_body", "year", "description"]
    export_filename = "awards"

    def awards_of(self, award):
        return [award]


class AccoladesGroup(ModelAdminGroup):
    menu_label = "Accolades"
    menu_icon = "success"
    menu_order = 300
    items = [PersonAdmin, AwardAdmin]


modeladmin_register(AccoladesGroup)


@hooks.register("register_admin_viewset")
def register_award_chooser():
    return award_chooser_viewset


@hooks.register("register_admin_urls")
def register_claims_report_urls():
    return [
        path("reports/claims/", ClaimsReportView.as_view(), name="accolades_claims_report"),
        path(
            "reports/claims/results/",
            ClaimsReportView.as_view(results_only=True),
            name="accolades_claims_report_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_claims_report_menu_item():
    return ClaimsReportMenuItem(
        "Claims to check",
        reverse("accolades_claims_report"),
        name="claims-to-check",
        icon_name="time",
        order=1150,
    )


@hooks.register("construct_homepage_panels")
def add_claims_to_check_panel(request, panels):
    panels.append(ClaimsToCheckPanel())
