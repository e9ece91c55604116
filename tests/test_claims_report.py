"""Claims to check: the report and dashboard panel of rankings, distinctions and facts
whose edition is out of date or has no year. Years are relative to today's, so these
tests mean the same next year."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.menu import reports_menu
from wagtail.models import GroupPagePermission, Page

from accolades.blocks import ClaimStructValue, RankingBlock
from accolades.models import AccoladesPage
from home.models import HomePage

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
REPORT_URL = "/admin/reports/claims/"


def ranking(block_id, name, year):
    position = {"type": "item", "id": f"{block_id}-1", "value": {"rank": 1, "scope": "Globally"}}
    value = {"name": name, "year": year, "positions": [position], "publisher_note": ""}
    return {"type": "ranking", "id": block_id, "value": {**value, "source_url": ""}}


def distinction(block_id, title, year):
    value = {"title": title, "year": year, "awarding_body": "", "source_url": ""}
    return {"type": "distinction", "id": block_id, "value": value}


def fact(block_id, label, year):
    value = {"figure": "", "label": label, "detail": "", "source": "", "year": year}
    return {"type": "item", "id": block_id, "value": value}


def rankings(block_id, *items):
    return {
        "type": "rankings",
        "id": block_id,
        "value": {"heading": "", "intro": "", "items": items},
    }


def facts(block_id, *items):
    return {"type": "facts", "id": block_id, "value": {"heading": "", "intro": "", "facts": items}}


@pytest.fixture
def claims_site(home_page):
    """Claims of every age on the home page and the accolades page, and on a page that
    was never published."""
    home_page.body = [
        rankings(
            "home-rankings",
            ranking("fresh", "Fresh Ranking", THIS_YEAR),
            ranking("last-year", "Last Year Ranking", THIS_YEAR - 1),
            ranking("old", "Old Ranking", THIS_YEAR - 2),
            distinction("undated", "Undated Honour", None),
        ),
        facts(
            "home-facts",
            fact("old-fact", "Old Fact", THIS_YEAR - 3),
            fact("undated-fact", "Undated Fact", None),
            fact("fresh-fact", "Fresh Fact", THIS_YEAR),
        ),
    ]
    home_page.save_revision().publish()
    accolades = AccoladesPage(
        title="Rankings & Accolades",
        slug="rankings",
        body=[
            rankings(
                "acc-rankings",
                # The same claim twice on one page: two places to fix, two rows.
                ranking("old-1", "Old Ranking", THIS_YEAR - 2),
                ranking("fresh-2", "Fresh Ranking", THIS_YEAR),
                ranking("old-2", "Old Ranking", THIS_YEAR - 2),
            )
        ],
    )
    home_page.add_child(instance=accolades)
    accolades.save_revision().publish()
    never_published = HomePage(
        title="Unpublished site",
        slug="unpublished",
        live=False,
        body=[rankings("x", ranking("unpublished", "Unpublished Ranking", THIS_YEAR - 5))],
    )
    Page.get_first_root_node().add_child(instance=never_published)
    return {"home": home_page, "accolades": accolades}


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "", "password")


def report_rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        tuple(" ".join(cell.get_text(" ").split()) for cell in row.select("td"))
        for row in soup.select("table.listing tbody tr")
    ]


def test_report_lists_each_place_of_every_claim_to_check(client, superuser, claims_site):
    client.force_login(superuser)
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    old = str(THIS_YEAR - 2)
    assert report_rows(response) == [
        ("Undated Honour", "Distinction", "No year", "Home"),
        ("Undated Fact", "Fact", "No year", "Home"),
        ("Old Fact", "Fact", str(THIS_YEAR - 3), "Home"),
        ("Old Ranking", "Ranking", old, "Home"),
        ("Old Ranking", "Ranking", old, "Rankings & Accolades"),
        ("Old Ranking", "Ranking", old, "Rankings & Accolades"),
    ]
    # Last year's edition is still current; this year's, of course.
    assert b"Last Year Ranking" not in response.content
    assert b"Fresh" not in response.content
    assert b"Unpublished Ranking" not in response.content


def test_each_claim_links_to_its_block_in_the_page_editor(client, superuser, claims_site):
    client.force_login(superuser)
    soup = BeautifulSoup(client.get(REPORT_URL).content, "html.parser")
    links = [a["href"] for a in soup.select("table.listing tbody td.title a")]
    home_edit = reverse("wagtailadmin_pages:edit", args=[claims_site["home"].pk])
    accolades_edit = reverse("wagtailadmin_pages:edit", args=[claims_site["accolades"].pk])
    # The editor gives each block's panel the id "block-<block id>-section".
    assert links == [
        f"{home_edit}#block-undated-section",
        f"{home_edit}#block-undated-fact-section",
        f"{home_edit}#block-old-fact-section",
        f"{home_edit}#block-old-section",
        f"{accolades_edit}#block-old-1-section",
        f"{accolades_edit}#block-old-2-section",
    ]
    assert client.get(accolades_edit).status_code == 200


def test_a_claim_fixed_in_a_draft_is_listed_until_the_draft_is_published(
    client, superuser, claims_site
):
    client.force_login(superuser)
    accolades = claims_site["accolades"]
    accolades.body = [rankings("acc-rankings", ranking("fresh-2", "Fresh Ranking", THIS_YEAR))]
    draft = accolades.save_revision()
    pages = [row[3] for row in report_rows(client.get(REPORT_URL))]
    assert pages.count("Rankings & Accolades") == 2

    draft.publish()
    pages = [row[3] for row in report_rows(client.get(REPORT_URL))]
    assert "Rankings & Accolades" not in pages


def test_the_setting_says_how_old_an_edition_may_be(client, superuser, claims_site):
    client.force_login(superuser)
    with override_settings(CLAIM_MAX_AGE_YEARS=0):
        claims = [row[0] for row in report_rows(client.get(REPORT_URL))]
    assert "Last Year Ranking" in claims and "Fresh Ranking" not in claims
    with override_settings(CLAIM_MAX_AGE_YEARS=2):
        claims = [row[0] for row in report_rows(client.get(REPORT_URL))]
    assert claims == ["Undated Honour", "Undated Fact", "Old Fact"]


def test_the_preview_notice_follows_the_configured_age():
    last_year = ClaimStructValue(RankingBlock(), [("year", THIS_YEAR - 1)])
    two_years_ago = ClaimStructValue(RankingBlock(), [("year", THIS_YEAR - 2)])
    assert not last_year.is_out_of_date() and two_years_ago.is_out_of_date()
    with override_settings(CLAIM_MAX_AGE_YEARS=0):
        assert last_year.is_out_of_date()
    with override_settings(CLAIM_MAX_AGE_YEARS=2):
        assert not two_years_ago.is_out_of_date()


def test_dashboard_shows_the_count_and_the_first_claims(client, superuser, claims_site):
    client.force_login(superuser)
    soup = BeautifulSoup(client.get("/admin/").content, "html.parser")
    panel = soup.select_one("#claims-to-check-section")
    assert panel is not None
    text = " ".join(panel.get_text(" ").split())
    assert "6 rankings, distinctions or facts on live pages are out of date" in text
    assert len(panel.select("tbody tr")) == 5
    assert panel.select_one(f'a[href="{REPORT_URL}"]') is not None


def test_dashboard_has_no_panel_when_every_claim_is_current(client, superuser, home_page):
    home_page.body = [rankings("r", ranking("fresh", "Fresh Ranking", THIS_YEAR))]
    home_page.save_revision().publish()
    client.force_login(superuser)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b'id="claims-to-check-section"' not in response.content
    report = client.get(REPORT_URL)
    assert report_rows(report) == []
    assert b"Every ranking, distinction and fact on the live pages is current." in report.content


def admin_user(django_user_model, username, *, page=None, actions=()):
    """A user who may use the admin, with these page permissions on the page's subtree."""
    user = django_user_model.objects.create_user(username, "", "password")
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for action in actions:
        GroupPagePermission.objects.create(
            group=group,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=f"{action}_page"
            ),
        )
    user.groups.add(group)
    return user


def shown_in_reports_menu(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return "claims-to-check" in [item.name for item in reports_menu.menu_items_for_request(request)]


def test_an_editor_sees_the_claims_on_the_pages_they_may_edit(
    client, django_user_model, claims_site
):
    editor = admin_user(
        django_user_model, "editor", page=claims_site["accolades"], actions=["change"]
    )
    client.force_login(editor)
    rows = report_rows(client.get(REPORT_URL))
    assert [row[3] for row in rows] == ["Rankings & Accolades", "Rankings & Accolades"]
    assert shown_in_reports_menu(editor)
    panel = BeautifulSoup(client.get("/admin/").content, "html.parser").select(
        "#claims-to-check-section"
    )
    assert panel and "2 rankings" in panel[0].get_text()


def test_users_without_page_permissions_are_refused(client, django_user_model, claims_site):
    no_pages = admin_user(django_user_model, "images-only")
    client.force_login(no_pages)
    response = client.get(REPORT_URL)
    # Wagtail's answer to PermissionDenied in the admin: back to the dashboard, with a message.
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not shown_in_reports_menu(no_pages)
    assert b'id="claims-to-check-section"' not in client.get("/admin/").content


def test_people_without_admin_access_are_sent_to_log_in(client, django_user_model, claims_site):
    response = client.get(REPORT_URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_user("visitor", "", "password"))
    response = client.get(REPORT_URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
