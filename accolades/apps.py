from django.apps import AppConfig


class AccoladesConfig(AppConfig):
    name = "accolades"
    verbose_name = "Rankings & Accolades"

    def ready(self):
        from site_config import content_cache

        from .models import Award, Person

        content_cache.watch(Award, Person)
