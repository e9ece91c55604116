from django import template
from django.utils.safestring import mark_safe

from site_config.content_cache import Fragment

register = template.Library()


@register.tag
def cached_fragment(parser, token):
    """{% cached_fragment "name" key … %}…{% endcached_fragment %}: the enclosed piece,
    rendered once per content generation (site_config.content_cache.Fragment) under the name
    and key, which together say everything the piece shows that may vary. Or
    {% cached_fragment fragment %} with a Fragment a view made, having skipped reading what
    the piece needs when fragment.html holds it already.

    What the piece reads lazily (a StreamField's blocks, a queryset) is read only when it is
    rendered: a piece from the cache runs none of its queries.
    """
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("cached_fragment needs a name and key, or a Fragment")
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(nodelist, [parser.compile_filter(bit) for bit in bits])


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist = nodelist
        self.key = key

    def render(self, context):
        key = [part.resolve(context) for part in self.key]
        if isinstance(key[0], Fragment):
            fragment = key[0]
        elif isinstance(key[0], str) and key[0]:
            fragment = Fragment(context.get("request"), *key)
        else:
            # A view that made no Fragment: its piece is rendered, never shared.
            fragment = Fragment(None)
        if fragment.html is not None:
            return fragment.html
        html = mark_safe(self.nodelist.render(context))
        fragment.keep(html)
        return html
