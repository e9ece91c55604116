import datetime
import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from wagtail.contrib.search_promotions.models import Query
from wagtail.contrib.search_promotions.templatetags.wagtailsearchpromotions_tags import (
    get_search_promotions,
)
from wagtail.models import Page, Site

from stories.models import StoryCategory, StoryPage

from .highlight import contains_match, highlight, words_of
from .query import MAX_QUERY_LENGTH, build_query, clean_query

RESULTS_PER_PAGE = 10
SLUG = re.compile(r"[-\w]{1,80}")
SUGGESTIONS = 8
LATEST_ON_NO_RESULTS = 4


def _site_pages(request, queryset):
    site = Site.find_for_request(request)
    return queryset.in_site(site) if site else queryset


def _story_filters(request):
    """The category and year a visitor narrowed the search to: 404 for ones that are not."""
    category = None
    if slug := request.GET.get("category"):
        # Checked before the query: PostgreSQL refuses a NUL byte in a text comparison.
        if SLUG.fullmatch(slug):
            category = StoryCategory.objects.filter(slug=slug).first()
        if category is None:
            raise Http404("No such category.")
    year = None
    if year_param := request.GET.get("year"):
        if not (year_param.isascii() and year_param.isdigit() and 1900 <= int(year_param) < 2100):
            raise Http404("No such year.")
        year = int(year_param)
    return category, year


def _filter_stories(stories, category=None, year=None):
    if category:
        stories = stories.filter(category=category)
    if year:
        stories = stories.filter(
            date__gte=datetime.date(year, 1, 1), date__lt=datetime.date(year + 1, 1, 1)
        )
    return stories


def _facets(query, stories, category, year):
    """Counts of matching stories by category and by year, each under the other filter."""
    by_category = _filter_stories(stories, year=year).search(query, order_by_relevance=False)
    category_counts = by_category.facet("category_id")
    categories = StoryCategory.objects.filter(pk__in=[pk for pk in category_counts if pk])
    by_date = _filter_stories(stories, category=category).search(query, order_by_relevance=False)
    year_counts = {}
    for date, count in by_date.facet("date").items():
        year_counts[date.year] = year_counts.get(date.year, 0) + count
    return (
        [(c, category_counts[c.pk]) for c in sorted(categories, key=lambda c: c.name)],
        sorted(year_counts.items(), reverse=True),
    )


def _decorate(results_page, words):
    """Give this page's hits their own types, a category and a highlighted snippet."""
    # One query per page type on the page (at most a handful), not one per hit.
    specific = Page.objects.filter(pk__in=[hit.pk for hit in results_page]).specific()
    by_pk = {page.pk: page for page in specific}
    pages = [by_pk[hit.pk] for hit in results_page if hit.pk in by_pk]
    prefetch_related_objects([p for p in pages if isinstance(p, StoryPage)], "category")
    for page in pages:
        page.snippet = _snippet(page, words)
    results_page.object_list = pages


def _snippet(page, words):
    query = " ".join(words)
    intro = getattr(page, "intro", "") or page.search_description
    if contains_match(intro, query) or not hasattr(page, "body"):
        return highlight(intro, query)
    body_text = " ".join(page.body.stream_block.get_searchable_content(page.body))
    if contains_match(body_text, query):
        return highlight(body_text, query)
    return highlight(intro, query)


def search(request):
    display_query, query = build_query(request.GET.get("q", ""))
    category, year = _story_filters(request)
    context = {
        "search_query": display_query,
        "raw_query": (request.GET.get("q") or "")[:MAX_QUERY_LENGTH],
        "selected_category": category,
        "selected_year": year,
    }
    if query is not None:
        stories = _site_pages(request, StoryPage.objects.visible())
        if category or year:
            hits = _filter_stories(stories, category, year)
        else:
            hits = _site_pages(request, Page.objects.live().public())
        # Ordered by relevance; the paginator counts all the hits, not only this page's.
        paginator = Paginator(hits.search(query), RESULTS_PER_PAGE)
        try:
            results_page = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage) as error:
            raise Http404("No such page of results.") from error
        _decorate(results_page, words_of(clean_query(display_query)))
        # Facets cost two more searches: none are needed when nothing matched.
        categories, years = _facets(query, stories, category, year) if paginator.count else ([], [])
        filters = {"q": display_query, "category": category and category.slug, "year": year}
        context.update(
            results=results_page,
            category_facets=categories,
            year_facets=years,
            results_query=urlencode({k: v for k, v in filters.items() if v}),
            results_query_without_filters=urlencode({"q": display_query}),
        )
        if results_page.number == 1:
            context["promotions"] = get_search_promotions(display_query)
            # Logged once a search, not once a page of it: the admin's popular queries.
            Query.get(display_query).add_hit()
        if not paginator.count:
            context["latest_stories"] = stories.for_cards()[:LATEST_ON_NO_RESULTS]
    return TemplateResponse(request, "search/search.html", context)


@require_GET
def suggest(request):
    """Titles that start like what the visitor is typing, for the search box."""
    query = clean_query(request.GET.get("q", ""))
    suggestions = []
    if len(query) >= 2:
        pages = _site_pages(request, Page.objects.live().public()).autocomplete(query)
        suggestions = [{"title": page.title, "url": page.url} for page in pages[:SUGGESTIONS]]
    return JsonResponse({"query": query, "suggestions": suggestions})
