from wagtail import hooks
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from .models import Award, Person
from .views import award_chooser_viewset


class PersonAdmin(ModelAdmin):
    model = Person
    menu_icon = "user"
    list_display = ["name", "honorific", "role"]
    search_fields = ["name", "role"]


class AwardAdmin(ModelAdmin):
    model = Award
    menu_icon = "success"
    list_display = ["title", "person", "awarding_body", "year"]
    list_filter = ["year", "awarding_body"]
    list_select_related = ["person"]
    search_fields = ["title", "person__name", "awarding_body"]


class AccoladesGroup(ModelAdminGroup):
    menu_label = "Accolades"
    menu_icon = "success"
    menu_order = 300
    items = [PersonAdmin, AwardAdmin]


modeladmin_register(AccoladesGroup)


@hooks.register("register_admin_viewset")
def register_award_chooser():
    return award_chooser_viewset
