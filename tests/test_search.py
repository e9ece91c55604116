"""Visitors search live, public pages; no input makes the search page fail."""

import pytest
from bs4 import BeautifulSoup

from search.query import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, clean_query

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
