from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import StoryCategory


class StoryCategoryViewSet(SnippetViewSet):
    model = StoryCategory
    icon = "tag"
    menu_label = "Story categories"
    add_to_admin_menu = False
    list_display = ["name", "slug"]
    search_fields = ["name"]


register_snippet(StoryCategoryViewSet)
