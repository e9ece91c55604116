from django.apps import AppConfig


class SiteConfigConfig(AppConfig):
    name = "site_config"
    verbose_name = "Site configuration"

    def ready(self):
        from . import content_cache
        from .models import SiteSettings

        content_cache.connect_page_signals()
        content_cache.watch(SiteSettings)
