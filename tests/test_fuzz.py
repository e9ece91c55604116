"""No input a visitor can send makes a public page fail: random queries, paths and headers.

Property-based tests (hypothesis) against the demo site. Every request must get a normal
page, a redirect, a 404 or a 400; a 500 or an exception raised by a view fails the test,
and hypothesis then shrinks the input to the smallest one that still fails.

The demo site is built once per test function and shared by its examples: every request
here is a GET, and none changes what a later example is served.
"""

from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from django.conf import settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

STORY = "/news/hkust-prepares-new-medical-school/"
PATHS = [
    "/",
    "/news/",
    STORY,
    "/rankings-and-accolades/",
    "/search/",
    "/sitemap.xml",
    # Public addresses other than pages: 404 is an answer too, should one of them go away.
    "/news/feed/rss/",
    "/news/feed/atom/",
    "/search/suggest/",
    "/robots.txt",
]
ALLOWED_STATUSES = {200, 301, 302, 400, 404}
# One field more than Django accepts: a 400, not a 500.
TOO_MANY_FIELDS = "&".join(["page=1"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))


def fuzz_settings(max_examples):
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        # The demo site is a function-scoped fixture shared by all examples, on purpose.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        # No .hypothesis/ directory in the checkout: failures print their own reproduction.
        database=None,
    )


paths = st.sampled_from(PATHS)

# The parameters the site reads ("p" is the sitemap's page), and anything else.
keys = st.sampled_from(["q", "page", "category", "year", "tag", "p"]) | st.text(max_size=20)

# Long values are built by repetition: hypothesis draws 10,000 characters slowly.
long_values = st.builds(
    lambda text, times: (text * times)[:10_000], st.text(min_size=1), st.integers(1, 10_000)
)
values = st.one_of(
    st.text(),  # any text without surrogates, NUL and other control characters included
    st.integers().map(str),
    st.sampled_from(["", "-1", "0", "1", "2", "9" * 20, "1e3", "NaN", " 1", "１", "٣", "2025"]),
    long_values,
)

# Raw query strings as a careless client sends them: bytes that are not UTF-8 (a WSGI
# server hands them to Django decoded as latin-1), broken percent escapes, stray separators.
raw_bytes = st.binary(max_size=200).map(lambda data: data.decode("latin-1"))
raw_pieces = st.one_of(
    st.sampled_from(
        ["%", "%%", "%f", "%ff", "%fe%ff", "%c3", "%C3%28", "%ed%a0%80", "%00", "%0a", "+"]
        + ["&", "=", ";", "q=", "page=", "year=", "category=", "tag=", "p="]
    ),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
)
raw_query_strings = raw_bytes | st.lists(raw_pieces, max_size=30).map("".join)

NEWS_ROUTE_PARTS = ["category", "tag", "feed", "rss", "atom", "2025", "9999", "0000", "x"]
NEWS_ROUTE_PARTS += ["..", ".", "", "%00", "%ff", "page", "hkust-prepares-new-medical-school"]

# Path segments under /news/: any text or bytes, percent-encoded as a client would send them.
news_paths = st.one_of(
    st.text(max_size=100).map(lambda text: quote(text, safe="/")),
    st.binary(max_size=100).map(lambda data: quote_from_bytes(data, safe="/")),
    # The index's own addresses (category/<slug>/, tag/<slug>/, <year>/, feed/<kind>/),
    # in any order and with any values.
    st.lists(st.sampled_from(NEWS_ROUTE_PARTS), max_size=5).map(
        lambda parts: "".join(f"{part}/" for part in parts)
    ),
)

# Header values as a WSGI server passes them on: latin-1 text, control characters included.
header_values = st.text(st.characters(max_codepoint=0xFF), max_size=300)
hosts = st.builds(
    lambda host, port: f"{host}:{port}" if port is not None else host,
    st.sampled_from(settings.ALLOWED_HOSTS),
    st.none() | st.integers(0, 65_535),
)


def assert_answered(response):
    assert response.status_code in ALLOWED_STATUSES, response.status_code


@fuzz_settings(max_examples=150)
@given(path=paths, params=st.lists(st.tuples(keys, values), max_size=6))
@example(path="/search/", params=[("q", "a" * 10_000)])
@example(path="/search/", params=[("q", " ".join(["word"] * 2_000))])
@example(path="/search/", params=[("q", '"')])
@example(path="/search/", params=[("q", "\x00")])
@example(path="/search/", params=[("q", "medical"), ("page", "-1"), ("page", "2")])
@example(path="/search/", params=[("q", "medical"), ("page", "9" * 20)])
@example(path="/search/", params=[("q", "medical"), ("year", "9999")])
@example(path="/search/", params=[("q", "medical"), ("year", "0000"), ("category", "\x00")])
@example(path="/news/", params=[("year", "9" * 20)])
@example(path="/news/", params=[("year", "9999")])
@example(path="/news/", params=[("year", "٣")])
@example(path="/news/", params=[("page", "-1")])
@example(path="/news/", params=[("page", "-1"), ("page", "2")])
@example(path="/news/", params=[("category", "\x00"), ("tag", "\x00")])
@example(path="/sitemap.xml", params=[("p", "-1")])
@example(path="/sitemap.xml", params=[("p", "9" * 20)])
@example(path=STORY, params=[("page", "x"), ("q", "\x00")])
def test_any_query_parameters_get_a_page(client, demo_site, path, params):
    assert_answered(client.get(path, QUERY_STRING=urlencode(params)))


@fuzz_settings(max_examples=100)
@given(path=paths, raw=raw_query_strings)
@example(path="/search/", raw="q=%ff%fe")
@example(path="/search/", raw="q=%ED%A0%80")
@example(path="/search/", raw="q=%")
@example(path="/search/", raw="q=" + "%ff" * 3_000)
@example(path="/search/", raw=b"q=\xff\xfe\x00".decode("latin-1"))
@example(path="/news/", raw="page=%00")
@example(path="/news/", raw="year=" + "9" * 20)
@example(path="/news/", raw="category=%ff&year=%ff&page=%ff")
@example(path="/news/", raw="&&&===;;")
@example(path="/news/", raw=TOO_MANY_FIELDS)
@example(path="/sitemap.xml", raw="p=%ff")
def test_raw_query_strings_get_a_page(client, demo_site, path, raw):
    assert_answered(client.get(path, QUERY_STRING=raw))


@fuzz_settings(max_examples=60)
@given(subpath=news_paths)
@example(subpath="%00")
@example(subpath="%ff%fe/")
@example(subpath="..")
@example(subpath="9999/")
@example(subpath="category/x/tag/x/0000/")
@example(subpath="feed/rss/?")
@example(subpath="a" * 10_000)
@example(subpath="hkust-prepares-new-medical-school/extra/")
@example(subpath="hkust-prepares-new-medical-school")
def test_random_paths_under_news_get_a_page(client, demo_site, subpath):
    assert_answered(client.get("/news/" + subpath))


@fuzz_settings(max_examples=60)
@given(path=paths, accept_language=header_values, user_agent=header_values, host=hosts)
@example(path="/", accept_language="\x00", user_agent="\x00", host="localhost")
@example(path="/news/", accept_language="zz-" * 100, user_agent="", host="127.0.0.1:0")
@example(path="/search/", accept_language="*;q=-1, en;q=2", user_agent="a" * 300, host="localhost")
def test_random_headers_get_a_page(client, demo_site, path, accept_language, user_agent, host):
    headers = {"accept-language": accept_language, "user-agent": user_agent, "host": host}
    assert_answered(client.get(path, headers=headers))
