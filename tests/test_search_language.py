"""Search understands words as a visitor types them, on SQLite and PostgreSQL alike: without
their accents, in another grammatical form, and inside Chinese or Japanese text, which has
no spaces between its words."""

import pytest
from bs4 import BeautifulSoup
from wagtail.search.query import And, Phrase, PlainText

from search.highlight import highlight
from search.query import build_query
from search.text import segment_cjk
from stories.models import StoryPage

pytestmark = pytest.mark.django_db


def results(client, query):
    soup = BeautifulSoup(client.get("/search/", {"q": query}).content, "html.parser")
    return [
        (item.select_one(".search-result__title a").get_text(), item)
        for item in soup.select(".search-result")
    ]


def titles(client, query):
    return [title for title, _ in results(client, query)]


def suggestions(client, query):
    response = client.get("/search/suggest/", {"q": query})
    assert response.status_code == 200
    return [suggestion["title"] for suggestion in response.json()["suggestions"]]


@pytest.mark.parametrize("query", ["Zurich", "zürich", "cafe", "Montreal"])
def test_a_word_typed_without_its_accents_finds_the_accented_title(client, make_story, query):
    make_story("Summer school in Zürich")
    make_story("The new café in Montréal")
    make_story("Library hours")
    found = titles(client, query)
    assert len(found) == 1
    assert found[0] in {"Summer school in Zürich", "The new café in Montréal"}


def test_suggestions_need_no_accents_either(client, make_story):
    make_story("Summer school in Zürich")
    assert suggestions(client, "zuri") == ["Summer school in Zürich"]


@pytest.mark.parametrize("query", ["swimmers", "swimmer", "swim"])
def test_another_form_of_a_word_finds_the_story(client, make_story, query):
    make_story("Swimmer breaks the university record", intro="A swim of the year.")
    make_story("Library hours")
    assert titles(client, query) == ["Swimmer breaks the university record"]


@pytest.mark.parametrize("typed", ["res", "resear", "swimm", "University"])
def test_suggestions_still_complete_a_word_being_typed(client, make_story, typed):
    make_story("University research swimmers")
    assert suggestions(client, typed) == ["University research swimmers"]


def test_suggestions_complete_a_word_typed_into_its_suffix(client, make_story):
    make_story("University research swimmers")
    make_story("Universe of stars")  # indexed as "univers" too, so found, then left out
    assert suggestions(client, "universit") == ["University research swimmers"]
    assert suggestions(client, "universi") == ["University research swimmers"]
    assert suggestions(client, "swimmer") == ["University research swimmers"]
    make_story("Engineering week")  # indexed as "engin"
    assert suggestions(client, "engineeri") == ["Engineering week"]
    assert set(suggestions(client, "univers")) == {
        "University research swimmers",
        "Universe of stars",
    }


def test_part_of_a_run_of_chinese_characters_finds_the_story_and_is_marked(client, make_story):
    make_story("HKUST news", intro="香港科技大學的研究生獲獎。")
    make_story("Library hours", intro="大學圖書館的開放時間。")
    found = results(client, "科技大學")
    assert [title for title, _ in found] == ["HKUST news"]
    assert "<mark>科技大學</mark>" in str(found[0][1])


def test_chinese_characters_must_be_side_by_side(client, make_story):
    # All four characters of 科技大學, but never next to each other in that order.
    make_story("Science", intro="大學的科學與技術。")
    assert titles(client, "科技大學") == []


def test_latin_and_chinese_words_together_must_both_match(client, make_story):
    make_story("HKUST news", intro="HKUST, 香港科技大學, opens a lab.")
    make_story("Chinese only", intro="香港科技大學的研究。")
    assert titles(client, "HKUST 科技大學") == ["HKUST news"]
    assert titles(client, "HKUST科技大學") == ["HKUST news"]


def test_japanese_and_korean_inside_a_run_are_found(client, make_story):
    make_story("Tokyo", intro="東京タワーの見学会。")
    make_story("Seoul", intro="서울대학교에서 공부합니다.")
    assert titles(client, "タワー") == ["Tokyo"]
    assert titles(client, "대학교") == ["Seoul"]


def test_chinese_suggestions_and_the_admin_search_find_part_of_a_run(client, make_story):
    story = make_story("香港科技大學研究生獲獎")
    assert suggestions(client, "香港") == ["香港科技大學研究生獲獎"]
    assert suggestions(client, "科技大學") == ["香港科技大學研究生獲獎"]
    # A plain string, as the admin searches: the backend spaces it as the index has it.
    assert list(StoryPage.objects.search("科技大學")) == [story]


def test_cjk_characters_are_spaced_apart_and_other_text_is_left_alone():
    assert (
        segment_cjk("HKUST香港科技大學 is in Sai Kung") == "HKUST 香 港 科 技 大 學 is in Sai Kung"
    )
    assert segment_cjk("東京タワー、서울") == "東 京 タ ワ ー 、 서 울"
    assert segment_cjk("Zürich café") == "Zürich café"


def test_a_run_of_cjk_characters_is_a_phrase_of_them_shown_as_typed():
    display, query = build_query("HKUST科技大學")
    assert display == "HKUST 科技大學"
    assert isinstance(query, And)
    phrase, plain = query.subqueries
    assert isinstance(phrase, Phrase) and phrase.query_string == "科 技 大 學"
    assert isinstance(plain, PlainText) and plain.query_string == "HKUST"
    assert build_query(display)[0] == display  # the links built from it search the same


def test_snippets_mark_cjk_words_without_running_on_into_the_next_ones():
    text = "香港科技大學的游泳隊 won the HKUST relay."
    assert highlight(text, "科技大學 relay") == (
        "香港<mark>科技大學</mark>的游泳隊 won the HKUST <mark>relay</mark>."
    )


@pytest.mark.parametrize("query", ["html", "<html>", "wombat"])
def test_words_written_in_angle_brackets_are_words(client, make_story, query):
    # PostgreSQL's parser would read "<html>" as a markup tag and index none of it.
    make_story("Why <html> still matters", intro="A <wombat> in the markup.")
    assert titles(client, query) == ["Why <html> still matters"]


def test_a_title_word_in_angle_brackets_is_suggested(client, make_story):
    make_story("Why <html> still matters")
    assert suggestions(client, "htm") == ["Why <html> still matters"]
