from django.apps import AppConfig


class AccoladesConfig(AppConfig):
    name = "accolades"
    verbose_name = "Rankings & Accolades"

    def ready(self):
        from site_config import content_cache

        from .models import Award, Person

        content_cache.watch(Award, Person)
        content_cache.purge_also(accolades_pages)


def accolades_pages(page):
    """The accolades page, on any change: it lists every award and links awards to their
    stories (and no list of which story an award links to is at hand)."""
    from .models import AccoladesPage

    return [accolades.get_full_url() for accolades in AccoladesPage.objects.live()]
