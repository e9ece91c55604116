from django import template
from wagtail.models import Site

from site_config.pages import top_level_pages

register = template.Library()


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_menu(context):
    """The header's links: the home page's live, public children marked 'show in menus'."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    current = context.get("page")
    if site is None:
        return {"menu_items": [], "site_root": None}
    return {
        # For {% pageurl %}: an inclusion tag's template sees only what it is given, and
        # without the request each link would read every site's root path from the cache.
        "request": request,
        "site_root": site.root_page,
        "menu_items": [
            {
                "page": item,
                # The section a page belongs to is marked current too (a story under the index).
                "is_current": current is not None and current.path.startswith(item.path),
                "is_page": current is not None and current.pk == item.pk,
            }
            for item in top_level_pages(site)
            if item.show_in_menus
        ],
    }
