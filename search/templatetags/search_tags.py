from django import template
from django.utils.http import urlencode

register = template.Library()

# The only parameters a search link carries: anything else a visitor added is dropped.
SEARCH_PARAMETERS = ("q", "category", "year")


@register.simple_tag(takes_context=True)
def facet_query(context, name, value):
    """This search's query string with one filter set (or removed when value is empty),
    back on the first page."""
    params = {key: context["request"].GET.get(key, "") for key in SEARCH_PARAMETERS}
    params["q"] = context.get("search_query", "")
    params[name] = value
    return urlencode({key: val for key, val in params.items() if val not in ("", None)})
