"""What every page shares: navigation, footer, error pages, the admin login command."""

import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from wagtail.models import Site

from home.models import ContentPage
from site_config.models import SiteSettings


@pytest.mark.django_db
def test_header_navigation_comes_from_the_page_tree(client, demo_site):
    demo_site.add_child(instance=ContentPage(title="Hidden from menus", slug="hidden"))
    draft = ContentPage(title="Draft in menu", slug="draft", show_in_menus=True, live=False)
    demo_site.add_child(instance=draft)
    soup = BeautifulSoup(client.get("/news/").content, "html.parser")
    links = {a.get_text(): a for a in soup.select("nav[aria-label=Main] a")}
    assert list(links) == ["News & Stories", "Rankings & Accolades"]
    assert links["News & Stories"]["aria-current"] == "page"


@pytest.mark.django_db
def test_footer_comes_from_site_settings(client, demo_site):
    settings = SiteSettings.for_site(demo_site.get_site())
    settings.address = "Clear Water Bay\nKowloon"
    settings.social_links = [
        ("link", {"platform": "youtube", "url": "https://youtube.example/u", "label": ""})
    ]
    settings.save()
    footer = BeautifulSoup(client.get("/").content, "html.parser").find("footer")
    assert "The Hong Kong University of Science and Technology" in footer.get_text()
    assert "Clear Water Bay" in footer.find("address").get_text()
    assert footer.find("a", string="YouTube")["href"] == "https://youtube.example/u"


@pytest.mark.django_db
def test_pages_have_landmarks_one_h1_and_a_skip_link(client, demo_site):
    for url in ("/", "/news/", "/rankings-and-accolades/", "/search/?q=medical"):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        assert soup.find("html")["lang"] == "en"
        assert soup.find("header") and soup.find("main") and soup.find("footer"), url
        assert len(soup.find_all("h1")) == 1, url
        assert soup.select_one("a.skip-link")["href"] == "#main"
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4"])]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)


@pytest.mark.django_db
def test_not_found_page_is_friendly(client, demo_site):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("h1").get_text() == "We can’t find that page"
    assert soup.find("form", role="search")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_server_error_page_is_friendly(demo_site, monkeypatch):
    from home.models import HomePage

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(HomePage, "get_context", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_ensure_admin_creates_one_login_once(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)

    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "exists already" in out.getvalue()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_ensure_admin_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-chosen-password")
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "a-long-chosen-password" not in out.getvalue()
    assert get_user_model().objects.get().check_password("a-long-chosen-password")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/news/", "/search/?q=news", "/search/suggest/?q=ne", "/sitemap.xml"]
)
def test_a_host_that_no_site_answers_to_is_not_found(client, demo_site, url):
    # No default site to fall back on, and an address the server accepts (ALLOWED_HOSTS).
    Site.objects.update(hostname="news.example.edu", is_default_site=False)
    with override_settings(ALLOWED_HOSTS=["news.example.edu", "other.example.edu"]):
        response = client.get(url, headers={"host": "other.example.edu"})
        assert response.status_code == 404
        assert client.get(url, headers={"host": "news.example.edu"}).status_code == 200
    if response["Content-Type"].startswith("text/html"):
        soup = BeautifulSoup(response.content, "html.parser")
        assert soup.find("h1").get_text() == "We can’t find that page"
