from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from wagtail.models import Page, Site

from .query import MAX_QUERY_LENGTH, clean_query

RESULTS_PER_PAGE = 10


def search(request):
    query = clean_query(request.GET.get("q", ""))
    results_page = None
    if query:
        pages = Page.objects.live().public()
        if site := Site.find_for_request(request):
            pages = pages.in_site(site)
        # Ordered by relevance; the paginator counts all the hits, not only this page's.
        paginator = Paginator(pages.search(query, operator="and"), RESULTS_PER_PAGE)
        try:
            results_page = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage) as error:
            raise Http404("No such page of results.") from error
        # One query turns this page's hits into their own types (a story's date and intro).
        specific = Page.objects.filter(pk__in=[hit.pk for hit in results_page]).specific()
        by_pk = {page.pk: page for page in specific}
        results_page.object_list = [by_pk[hit.pk] for hit in results_page if hit.pk in by_pk]
        # And one more gives every story on the page its category.
        prefetch_related_objects(
            [page for page in results_page.object_list if hasattr(page, "category")], "category"
        )

    return TemplateResponse(
        request,
        "search/search.html",
        {
            "search_query": query,
            "raw_query": (request.GET.get("q") or "")[:MAX_QUERY_LENGTH],
            "results": results_page,
            "results_query": urlencode({"q": query}),
        },
    )
