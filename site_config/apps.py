from django.apps import AppConfig


class SiteConfigConfig(AppConfig):
    name = "site_config"
    verbose_name = "Site configuration"

    def ready(self):
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model

        from . import content_cache
        from .models import SiteSettings

        content_cache.connect_page_signals()
        content_cache.watch(SiteSettings)
        content_cache.watch_files(get_image_model(), get_document_model())
