"""Visitors search live, public pages; no input makes the search page fail."""

import pytest
from bs4 import BeautifulSoup

from search.query import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, clean_query
from stories.models import StoryCategory

pytestmark = pytest.mark.django_db


def result_titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select(".search-result__title a")]


def paragraph(text):
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


def test_search_finds_a_story_by_a_word_of_its_body(client, make_story):
    make_story("Campus news", body=[paragraph("The observatory opens to the public.")])
    make_story("Other news", body=[paragraph("Nothing to see.")])
    response = client.get("/search/", {"q": "observatory"})
    assert response.status_code == 200
    assert result_titles(response) == ["Campus news"]


def test_search_finds_words_in_nested_blocks(client, make_story):
    quote = {"type": "quote", "value": {"quote": "Curiosity drives us.", "attribution": ""}}
    make_story("Quoted", body=[quote])
    assert result_titles(client.get("/search/", {"q": "curiosity"})) == ["Quoted"]


def test_results_show_the_story_date_category_and_intro(client, make_story, category):
    import datetime

    make_story(
        "Telescope",
        intro="A new telescope for the campus.",
        date=datetime.date(2024, 2, 29),
        category=category,
    )
    soup = BeautifulSoup(client.get("/search/", {"q": "telescope"}).content, "html.parser")
    result = soup.select_one(".search-result")
    assert result.find("time")["datetime"] == "2024-02-29"
    assert "Research" in result.get_text()
    assert "A new telescope for the campus." in result.get_text()


def test_every_word_must_match(client, make_story):
    make_story("Medical school", intro="A medical school for Hong Kong.")
    make_story("Medical research", intro="Medical research news.")
    assert result_titles(client.get("/search/", {"q": "medical school"})) == ["Medical school"]


def test_results_are_paginated(client, make_story):
    for n in range(12):
        make_story(f"Physics {n}", intro="Physics news.")
    first = client.get("/search/", {"q": "physics"})
    second = client.get("/search/", {"q": "physics", "page": 2})
    assert len(result_titles(first)) == 10
    assert len(result_titles(second)) == 2
    assert set(result_titles(first)).isdisjoint(result_titles(second))
    soup = BeautifulSoup(first.content, "html.parser")
    assert "12 results" in soup.select_one(".result-count").get_text()
    assert soup.select_one("a[rel=next]")["href"] == "?q=physics&page=2"
    assert client.get("/search/", {"q": "physics", "page": 3}).status_code == 404
    assert client.get("/search/", {"q": "physics", "page": "x"}).status_code == 404


def test_no_results_and_no_query(client, make_story):
    make_story("Something")
    response = client.get("/search/", {"q": "zzzzqqq"})
    assert response.status_code == 200
    assert b"No results for" in response.content
    assert client.get("/search/").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"medical',
        "medical\"'",
        "a" * 10_000,
        " ".join(["word"] * 5_000),
        "medical AND OR NOT NEAR(",
        "'; DROP TABLE wagtailcore_page; --",
        '" OR 1=1 --',
        "*",
        "^medical*",
        "col:medical",
        "\x00\x01medical",
        "medical\u200b\ufeff",
        "(((((((((((",
        "<script>alert(1)</script>",
        "香港科技大學",
        "%",
        "\\",
    ],
)
def test_hostile_and_strange_queries_get_a_normal_page(client, make_story, query):
    make_story("Medical school", intro="A medical school.")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_query_is_escaped_when_echoed(client, story_index):
    response = client.get("/search/", {"q": '"><img src=x onerror=alert(1)>'})
    assert response.status_code == 200
    assert b"<img src=x" not in response.content


def test_clean_query_bounds_and_strips():
    assert clean_query('  "Medical"  school*  ') == "Medical school"
    assert clean_query("\x00") == ""
    assert clean_query(None) == ""
    assert len(clean_query("a" * 10_000)) == MAX_QUERY_LENGTH
    assert len(clean_query("word " * 1000).split()) == MAX_QUERY_TERMS
    # Composed and decomposed accents are the same word.
    assert clean_query("Cafe\u0301") == clean_query("Café")


def test_title_match_ranks_above_intro_and_body_matches(client, make_story):
    make_story("Campus life", body=[paragraph("The robotics lab opened this week.")])
    make_story("Robotics challenge won", intro="Students won.")
    make_story("Awards", intro="A robotics team was honoured.")
    titles = result_titles(client.get("/search/", {"q": "robotics"}))
    assert titles[0] == "Robotics challenge won"
    assert set(titles) == {"Campus life", "Robotics challenge won", "Awards"}


def test_phrases_in_quotes_match_words_together(client, make_story):
    make_story("Together", intro="The medical school opens.")
    make_story("Apart", intro="A school of medical engineering.")
    assert set(result_titles(client.get("/search/", {"q": "medical school"}))) == {
        "Together",
        "Apart",
    }
    assert result_titles(client.get("/search/", {"q": '"medical school"'})) == ["Together"]


def test_snippet_highlights_the_words_and_escapes_the_text(client, make_story):
    make_story("Escaping", intro="<b>Bold</b> claims & a new telescope for <script>x</script>.")
    soup = BeautifulSoup(client.get("/search/", {"q": "telescope"}).content, "html.parser")
    snippet = soup.select_one(".search-result__snippet")
    assert [m.get_text() for m in snippet.find_all("mark")] == ["telescope"]
    assert snippet.find("b") is None and snippet.find("script") is None
    assert "<b>Bold</b>" in snippet.get_text()


def test_snippet_comes_from_the_body_when_the_intro_does_not_match(client, make_story):
    make_story("Deep", intro="Nothing here.", body=[paragraph("Findings on coral reefs.")])
    soup = BeautifulSoup(client.get("/search/", {"q": "coral"}).content, "html.parser")
    assert soup.select_one(".search-result__snippet mark").get_text() == "coral"


def test_facets_count_matches_and_filters_combine(client, make_story, category):
    import datetime

    other = StoryCategory.objects.create(name="Sport")
    make_story("Ocean one", intro="Ocean news.", category=category, date=datetime.date(2024, 1, 2))
    make_story("Ocean two", intro="Ocean news.", category=category, date=datetime.date(2025, 1, 2))
    make_story("Ocean three", intro="Ocean news.", category=other, date=datetime.date(2025, 5, 2))
    make_story("Unrelated", intro="Other news.", category=other, date=datetime.date(2023, 5, 2))

    soup = BeautifulSoup(client.get("/search/", {"q": "ocean"}).content, "html.parser")
    facets = {
        facet.select_one(".facet__label").get_text(): [
            " ".join(li.get_text(" ").split()) for li in facet.select("li")
        ]
        for facet in soup.select(".facet")
    }
    assert facets == {
        "Category": ["Research (2)", "Sport (1)"],
        "Year": ["2025 (2)", "2024 (1)"],
    }
    filtered = client.get("/search/", {"q": "ocean", "category": "research", "year": "2025"})
    assert result_titles(filtered) == ["Ocean two"]
    soup = BeautifulSoup(filtered.content, "html.parser")
    links = [a["href"] for a in soup.select(".facet a")]
    assert "?q=ocean&category=research" in links  # "Any" year keeps the category


@pytest.mark.parametrize(
    "params",
    [
        {"category": "nope"},
        {"category": "\x00"},
        {"year": "20x5"},
        {"year": "99999"},
        {"year": "9999"},
        {"year": "0000"},
    ],
)
def test_unknown_search_filters_are_not_found(client, make_story, params):
    make_story("Ocean", intro="Ocean news.")
    assert client.get("/search/", {"q": "ocean", **params}).status_code == 404


def test_suggestions_are_live_titles_as_json(client, make_story):
    make_story("Astronomy night", intro="Stars.")
    make_story("Astronaut visit", intro="Space.", live=False)
    response = client.get("/search/suggest/", {"q": "astro"})
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert [s["title"] for s in data["suggestions"]] == ["Astronomy night"]
    assert data["suggestions"][0]["url"].endswith("/astronomy-night/")
    assert client.get("/search/suggest/", {"q": "a"}).json()["suggestions"] == []
    assert client.get("/search/suggest/", {"q": "\x00" * 5000}).status_code == 200


def test_search_box_carries_the_suggestion_script_and_works_without_it(client, story_index):
    soup = BeautifulSoup(client.get("/search/").content, "html.parser")
    header_input = soup.select_one("header input[name=q]")
    assert header_input["data-suggest"] == "/search/suggest/"
    assert header_input.find_parent("form")["action"] == "/search/"
    assert soup.find("script", src=lambda src: src and src.endswith("search/suggest.js"))


def test_editors_promoted_result_comes_first_and_queries_are_logged(client, make_story):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    make_story("Robotics news", intro="Robotics.")
    promoted = make_story("Open day", intro="Visit us.")
    SearchPromotion.objects.create(query=Query.get("robotics"), page=promoted, sort_order=0)
    soup = BeautifulSoup(client.get("/search/", {"q": "robotics"}).content, "html.parser")
    titles = [a.get_text() for a in soup.select(".search-result__title a")]
    assert titles == ["Open day", "Robotics news"]
    client.get("/search/", {"q": "robotics"})
    assert Query.get("robotics").hits == 2


def test_no_results_page_helps(client, make_story):
    make_story("Latest thing", intro="News.")
    soup = BeautifulSoup(client.get("/search/", {"q": "xylophone"}).content, "html.parser")
    assert "No results for “xylophone”" in soup.get_text()
    assert soup.find("h2", string="Search tips")
    assert [a.get_text() for a in soup.select(".card__title a")] == ["Latest thing"]


def test_highlight_marks_word_starts_only_and_folds_accents():
    from search.highlight import highlight

    assert str(highlight("Art and the start of arts", "art")) == (
        "<mark>Art</mark> and the start of <mark>arts</mark>"
    )
    assert str(highlight("A talk in Zürich", "zurich")) == "A talk in <mark>Zürich</mark>"
    assert str(highlight("x < y", "y")) == "x &lt; <mark>y</mark>"


def test_admin_report_shows_popular_queries(client, make_story, django_user_model):
    make_story("Robotics news", intro="Robotics.")
    for _ in range(3):
        client.get("/search/", {"q": "robotics"})
    client.get("/search/", {"q": "zebra"})
    client.force_login(django_user_model.objects.create_superuser("editor", "", "pw"))
    response = client.get("/admin/searchpicks/reports/search-terms/")
    assert response.status_code == 200
    rows = [
        " ".join(row.get_text(" ").split())
        for row in BeautifulSoup(response.content, "html.parser").select("tbody tr")
    ]
    assert rows[0].startswith("robotics 3")
    assert any(row.startswith("zebra 1") for row in rows)


@pytest.mark.parametrize(
    ("variable", "backend"),
    [
        ("OPENSEARCH_URL", "wagtail.search.backends.opensearch2"),
        ("ELASTICSEARCH_URL", "wagtail.search.backends.elasticsearch8"),
    ],
)
def test_a_search_cluster_is_switched_on_by_environment_variable(variable, backend):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.endswith("SEARCH_URL")}
    env.update({variable: "https://search.example.internal:9200"})
    script = (
        "import json; from site_config.settings import test as s; "
        "print(json.dumps(s.WAGTAILSEARCH_BACKENDS['default']))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == {
        "BACKEND": backend,
        "URLS": ["https://search.example.internal:9200"],
        "INDEX_PREFIX": "university_",
    }
