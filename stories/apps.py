from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "News & Stories"

    def ready(self):
        from site_config import content_cache

        from .models import StoryCategory

        content_cache.watch(StoryCategory)
