import re
from collections import Counter

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits, SearchPromotion
from wagtail.models import Page, Site
from wagtail.search.utils import normalise_query_string

from site_config.pages import public
from stories.models import StoryCategory, StoryPage

from .backends import best_matches
from .highlight import contains_match, highlight, words_of
from .query import MAX_QUERY_LENGTH, build_query, clean_query

RESULTS_PER_PAGE = 10
SLUG = re.compile(r"[-\w]{1,80}")
SUGGESTIONS = 8
SUGGESTION_CANDIDATES = 50
# At most this many matching pages are ranked and offered, 50 pages of results: see
# best_matches for why, and the results page says so when more matched.
MAX_RANKED = 500
LATEST_ON_NO_RESULTS = 4


def _site_pages(request, queryset):
    # The views answer only where a site does (site_config.sites.site_required).
    return queryset.in_site(Site.find_for_request(request))


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


def _story_facts(page_ids):
    """Each story's category and year among these pages, in one query: {pk: (category,
    year)}, the category (None for none) read with it."""
    rows = StoryPage.objects.filter(pk__in=page_ids).values_list(
        "pk", "category", "category__name", "category__slug", "date"
    )
    # One object a category, not one a row: up to MAX_RANKED rows share a dozen categories.
    categories = {None: None}
    facts = {}
    for pk, category, name, slug, date in rows:
        if category not in categories:
            categories[category] = StoryCategory(pk=category, name=name, slug=slug)
        facts[pk] = (categories[category], date.year)
    return facts


def _narrow(hits, facts, category=None, year=None):
    """The hits that are stories in this category and year (either may be None)."""
    return [
        pk
        for pk in hits
        if pk in facts
        and (category is None or facts[pk][0] == category)
        and (year is None or facts[pk][1] == year)
    ]


def _facets(hits, facts, category, year):
    """Counts of the matching stories by category and by year, each under the other filter."""
    category_counts = Counter(facts[pk][0] for pk in _narrow(hits, facts, year=year))
    year_counts = Counter(facts[pk][1] for pk in _narrow(hits, facts, category=category))
    categories = sorted((c for c in category_counts if c), key=lambda c: c.name)
    return (
        [(c, category_counts[c]) for c in categories],
        sorted(year_counts.items(), reverse=True),
    )


def _decorate(results_page, facts, words):
    """Give this page's hits their own types, a category and a highlighted snippet."""
    # The stories in one query, with their categories; other pages in one query per page
    # type among them (at most a handful), as Page.specific() reads them.
    story_ids = [pk for pk in results_page if pk in facts]
    other_ids = [pk for pk in results_page if pk not in facts]
    by_pk = StoryPage.objects.select_related("category").in_bulk(story_ids)
    if other_ids:
        by_pk |= {page.pk: page for page in Page.objects.filter(pk__in=other_ids).specific()}
    pages = [by_pk[pk] for pk in results_page if pk in by_pk]
    for page in pages:
        page.snippet = _snippet(page, words)
    results_page.object_list = pages


def _promotions_and_hit(search_query):
    """The editors' promoted results for a search, and a hit of it logged for the admin's
    popular searches: two queries once it has been searched today (Wagtail's
    get_search_promotions and Query.get().add_hit() run five)."""
    query_string = normalise_query_string(search_query)
    today = timezone.now().date()
    hits = QueryDailyHits.objects.filter(query__query_string=query_string, date=today)
    if not hits.update(hits=F("hits") + 1):
        Query.get(search_query).add_hit(today)
    return SearchPromotion.objects.filter(query__query_string=query_string).select_related("page")


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
        # Every matching page, then the category and year of the stories among them: the
        # filters and their counts are worked out from these two queries.
        pages = _site_pages(request, public(Page.objects.live()))
        matches, more = best_matches(pages.search(query), MAX_RANKED)
        facts = _story_facts(matches)
        hits = _narrow(matches, facts, category, year) if category or year else matches
        paginator = Paginator(hits, RESULTS_PER_PAGE)
        try:
            results_page = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage) as error:
            raise Http404("No such page of results.") from error
        _decorate(results_page, facts, words_of(clean_query(display_query)))
        categories, years = _facets(matches, facts, category, year)
        filters = {"q": display_query, "category": category and category.slug, "year": year}
        context.update(
            results=results_page,
            more_results=more,
            ranked_limit=MAX_RANKED,
            category_facets=categories,
            year_facets=years,
            results_query=urlencode({k: v for k, v in filters.items() if v}),
            results_query_without_filters=urlencode({"q": display_query}),
        )
        if results_page.number == 1:
            # Logged once a search, not once a page of it: the admin's popular queries.
            context["promotions"] = _promotions_and_hit(display_query)
        if not paginator.count:
            stories = _site_pages(request, StoryPage.objects.visible())
            context["latest_stories"] = stories.newest(LATEST_ON_NO_RESULTS)
    return TemplateResponse(request, "search/search.html", context)


@require_GET
def suggest(request):
    """Titles that start like what the visitor is typing, for the search box."""
    query = clean_query(request.GET.get("q", ""))
    suggestions = []
    if len(query) >= 2:
        pages = _site_pages(request, public(Page.objects.live()))
        # Two letters match most of the archive: the best of the newest few will do.
        ids, _ = best_matches(pages.autocomplete(query), SUGGESTION_CANDIDATES)
        found = Page.objects.in_bulk(ids)
        # Only titles with a word that starts as typed: the backend may match more (stems).
        typed = query.split()[-1]
        titled = [found[pk] for pk in ids if pk in found and contains_match(found[pk].title, typed)]
        suggestions = [{"title": page.title, "url": page.url} for page in titled[:SUGGESTIONS]]
    return JsonResponse({"query": query, "suggestions": suggestions})
