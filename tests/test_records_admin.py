"""People and awards in the admin: inspect, export, the award chooser's search, and
deletion that refuses to take an award off a live page."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Page

from accolades.models import Award, Person
from home.models import HomePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "", "password"))
    return client


@pytest.fixture
def awards(db):
    hui = Person.objects.create(honorific="Prof.", name="Kai Lung HUI", role="Dean")
    li = Person.objects.create(honorific="Prof.", name="Jiatao LI")
    return {
        "cited": Award.objects.create(
            person=li, title="Most-cited Scientists", year=2025, awarding_body="Stanford University"
        ),
        "fellow": Award.objects.create(person=hui, title="Distinguished Fellow Award", year=2024),
    }


def accolades_section(*awards):
    items = [{"type": "item", "id": f"item-{a.pk}", "value": a.pk} for a in awards]
    return {
        "type": "accolades",
        "id": "people",
        "value": {"heading": "", "intro": "", "awards": items},
    }


@pytest.fixture
def fellow_on_home_page(home_page, awards):
    """The home page, live, shows the Distinguished Fellow Award through the award chooser."""
    home_page.body = [accolades_section(awards["fellow"])]
    home_page.save_revision().publish()
    return home_page


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def test_award_inspect_view_shows_the_record_and_the_pages_showing_it(
    admin_client, awards, fellow_on_home_page
):
    response = admin_client.get(f"/admin/accolades/award/inspect/{awards['fellow'].pk}/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Distinguished Fellow Award" in text and "Prof. Kai Lung HUI" in text
    assert "Shown on live pages Home" in text


def test_person_inspect_view_lists_their_awards(admin_client, awards):
    person = awards["fellow"].person
    text = text_of(admin_client.get(f"/admin/accolades/person/inspect/{person.pk}/"))
    assert "Role Dean" in text
    assert "Awards Distinguished Fellow Award 2024" in text
    assert "Shown on live pages None" in text


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


def test_awards_export_to_csv_as_filtered(admin_client, awards):
    response = admin_client.get("/admin/accolades/award/", {"export": "csv"})
    assert 'filename="awards.csv"' in response["Content-Disposition"]
    # Newest first, as listed; a blank field is an empty cell, not the listing's "-".
    assert csv_rows(response) == [
        ["Person", "Award", "Awarding Body", "Year", "Description"],
        ["Prof. Jiatao LI", "Most-cited Scientists", "Stanford University", "2025", ""],
        ["Prof. Kai Lung HUI", "Distinguished Fellow Award", "", "2024", ""],
    ]

    rows = csv_rows(admin_client.get("/admin/accolades/award/", {"export": "csv", "year": 2024}))
    assert [row[1] for row in rows[1:]] == ["Distinguished Fellow Award"]


def test_people_export_to_csv(admin_client, awards):
    response = admin_client.get("/admin/accolades/person/", {"export": "csv"})
    assert 'filename="people.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Honorific", "Name", "Role", "Profile Link"]
    assert [row[1] for row in rows[1:]] == ["Jiatao LI", "Kai Lung HUI"]


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("Jiatao", "Most-cited Scientists", "Distinguished"),  # a person's name
        ("Distinguished", "Distinguished Fellow Award", "Most-cited"),  # an award's title
        ("Distin", "Distinguished Fellow Award", "Most-cited"),  # as the editor types
    ],
)
def test_award_chooser_finds_awards_by_person_and_title(
    admin_client, awards, query, found, not_found
):
    results = admin_client.get(reverse("award_chooser:choose_results"), {"q": query})
    assert results.status_code == 200
    assert found in results.content.decode() and not_found not in results.content.decode()


def delete_url(record):
    return f"/admin/accolades/{record._meta.model_name}/delete/{record.pk}/"


@pytest.mark.parametrize("record", ["award", "person"])
def test_a_record_shown_on_a_live_page_cannot_be_deleted(
    admin_client, awards, fellow_on_home_page, record
):
    award = awards["fellow"]
    instance = award if record == "award" else award.person
    page = BeautifulSoup(admin_client.get(delete_url(instance)).content, "html.parser")
    assert "could not be deleted" in page.get_text()
    edit_home = reverse("wagtailadmin_pages:edit", args=[fellow_on_home_page.pk])
    assert [a.get_text() for a in page.select(f'a[href="{edit_home}"]')] == ["Home"]
    assert not page.select("form input[value='Yes, delete']")

    response = admin_client.post(delete_url(instance), follow=True)
    assert Award.objects.filter(pk=award.pk).exists()
    assert Person.objects.filter(pk=award.person.pk).exists()
    assert f"'{instance}' was not deleted: it is shown on these live pages: Home." in text_of(
        response
    )


def test_an_award_on_no_live_page_is_deleted(admin_client, awards, fellow_on_home_page):
    cited = awards["cited"]
    page = BeautifulSoup(admin_client.get(delete_url(cited)).content, "html.parser")
    assert page.select("form input[value='Yes, delete']")
    response = admin_client.post(delete_url(cited))
    assert response.status_code == 302
    assert not Award.objects.filter(pk=cited.pk).exists()


def test_an_award_on_pages_no_longer_live_may_be_deleted(admin_client, awards, home_page):
    fellow = awards["fellow"]
    draft_site = HomePage(title="Draft site", slug="draft-site", live=False)
    draft_site.body = [accolades_section(fellow)]
    Page.get_first_root_node().add_child(instance=draft_site)
    home_page.body = [accolades_section(fellow)]
    home_page.save_revision().publish()
    home_page.unpublish()

    assert admin_client.post(delete_url(fellow)).status_code == 302
    assert not Award.objects.filter(pk=fellow.pk).exists()
