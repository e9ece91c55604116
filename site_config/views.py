from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
def robots_txt(request):
    """Crawlers may read every public page, but not the admin or the search results (endless
    query combinations, marked noindex already); the sitemap lists the pages to read."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {reverse(name)}" for name in ("wagtailadmin_home", "search:search")]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """For load balancers and benchmarks: answers while the process can serve requests,
    touching neither the database nor the session, so a busy database does not take
    every app server out of rotation at once."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
