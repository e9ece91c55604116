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


# Any address on the site: a known beginning, then whatever a client can put in a path
# (percent-encoded text and bytes, dots, encoded slashes, overlong segments).
PATH_BEGINNINGS = PATHS + [
    "/news/category/",
    "/news/tag/",
    "/news/2025/",
    "/documents/",
    "/documents/1/",
    "/static/",
    "/media/",
    "/admin/",
    "/admin/login/",
    "/healthz/",
    "/no-such-page/",
]
segments = st.one_of(
    st.text(max_size=40).map(lambda text: quote(text, safe="")),
    st.binary(max_size=40).map(lambda data: quote_from_bytes(data, safe="")),
    st.sampled_from(["", ".", "..", "%2e%2e", "%2F", "%00", "%ff", "%", "~", ";x=1", "index.html"]),
    st.integers(1, 5_000).map(lambda length: "x" * length),
)
site_paths = st.builds(
    lambda beginning, parts, slash: beginning + "/".join(parts) + ("/" if slash and parts else ""),
    st.sampled_from(PATH_BEGINNINGS),
    st.lists(segments, max_size=6),
    st.booleans(),
)

# Headers a client may send, with values of every kind: latin-1 text, values the site
# parses (dates, ranges, cookies, forwarded addresses) broken in typical ways, and long ones.
HEADER_NAMES = [
    "accept", "accept-encoding", "accept-language", "cookie", "if-modified-since",
    "if-none-match", "range", "referer", "origin", "user-agent", "x-forwarded-for",
    "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-requested-with",
]  # fmt: skip
tricky_values = st.sampled_from(
    [
        "",
        "*/*",
        "application/json;q=x, text/html;q=-1",
        "Mon, 32 Foo 99999 25:61:61 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "bytes=0-,-1,5-2",
        "bytes=99999999999999999999-",
        'W/"x", *',
        "sessionid=" + "a" * 40,
        "sessionid=;csrftoken=\x00; ;=;",
        "csrftoken=" + "z" * 64,
        "1.2.3.4, ::1, not-an-address, 999.999.999.999",
        "https, http",
        "evil.example.com",
        "65536",
        "XMLHttpRequest",
    ]
)
long_header_values = st.builds(
    lambda text, times: (text * times)[:8_000],
    st.text(st.characters(max_codepoint=0xFF), min_size=1, max_size=20),
    st.integers(1, 8_000),
)
any_hosts = (
    hosts
    | st.text(st.characters(max_codepoint=0xFF), max_size=300)
    | st.sampled_from(
        ["", "evil.example.com", "localhost:99999", "[::1", "localhost:x", "a" * 300, "..", "*"]
    )
)


def assert_answered_with_security_headers(response):
    assert_answered(response)
    assert "Content-Security-Policy" in response, response.status_code
    assert response["X-Content-Type-Options"] == "nosniff"


@fuzz_settings(max_examples=80)
@given(path=site_paths)
@example(path="/" + "x" * 5_000 + "/")
@example(path="/news/" + "/".join(["a" * 255] * 40) + "/")
@example(path="/%2e%2e/%2e%2e/etc/passwd")
@example(path="/static/../site_config/settings/base.py")
@example(path="/documents/1/%00.pdf")
@example(path="/admin/%ff/")
@example(path="/sitemap.xml/%00")
@example(path="/search/suggest/;q=1")
@example(path="//")
@example(path="/./news/./")
def test_random_paths_anywhere_get_a_page(client, demo_site, path):
    assert_answered_with_security_headers(client.get(path))


@fuzz_settings(max_examples=80)
@given(
    path=paths,
    host=any_hosts,
    headers=st.dictionaries(
        st.sampled_from(HEADER_NAMES),
        header_values | tricky_values | long_header_values,
        max_size=len(HEADER_NAMES),
    ),
)
@example(path="/", host="evil.example.com", headers={})
@example(path="/", host="localhost", headers={"if-modified-since": "Mon, 32 Foo 99999 GMT"})
@example(path="/news/", host="localhost", headers={"range": "bytes=99999999999999999999-"})
@example(path="/", host="localhost", headers={"cookie": "sessionid=" + "a" * 40})
@example(path="/search/", host="localhost", headers={"cookie": "\x00" * 8_000})
@example(path="/", host="localhost", headers={"x-forwarded-host": "evil.example.com"})
@example(path="/sitemap.xml", host="localhost", headers={"x-forwarded-proto": "https, http"})
@example(path="/search/suggest/", host="localhost", headers={"accept": "a" * 8_000})
def test_random_request_headers_get_a_page(client, demo_site, path, host, headers):
    assert_answered_with_security_headers(client.get(path, headers={**headers, "host": host}))
