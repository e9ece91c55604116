"""People and their awards: managed in the admin, shown on the accolades page."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from accolades.models import Award, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def awards():
    hui = Person.objects.create(honorific="Prof.", name="Kai Lung HUI")
    li = Person.objects.create(honorific="Prof.", name="Jiatao LI")
    return [
        Award.objects.create(
            person=li, title="Most-cited Scientists", year=2025, awarding_body="Stanford University"
        ),
        Award.objects.create(person=hui, title="Distinguished Fellow Award", year=2024),
    ]


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "", "password")
    client.force_login(user)
    return client


def row_texts(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [" ".join(row.get_text(" ").split()) for row in soup.select("table.listing tbody tr")]


def test_award_list_has_columns_and_filters(admin_client, awards):
    response = admin_client.get("/admin/accolades/award/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    headers = [" ".join(th.get_text().split()) for th in soup.select("table.listing thead th")]
    assert [h.lower() for h in headers[:4]] == ["award", "person", "awarding body", "year"]
    assert len(row_texts(response)) == 2

    by_year = row_texts(admin_client.get("/admin/accolades/award/", {"year": 2024}))
    assert len(by_year) == 1 and "Distinguished Fellow Award" in by_year[0]
    by_body = admin_client.get("/admin/accolades/award/", {"awarding_body": "Stanford University"})
    assert [r for r in row_texts(by_body) if "Most-cited" in r] and len(row_texts(by_body)) == 1


def test_award_list_searches_by_person_name(admin_client, awards):
    rows = row_texts(admin_client.get("/admin/accolades/award/", {"q": "HUI"}))
    assert len(rows) == 1 and "Distinguished Fellow Award" in rows[0]


def test_person_list_searches_by_name(admin_client, awards):
    rows = row_texts(admin_client.get("/admin/accolades/person/", {"q": "Jiatao"}))
    assert len(rows) == 1 and "Jiatao LI" in rows[0]


def test_editor_creates_a_person_and_an_award(admin_client):
    response = admin_client.post(
        "/admin/accolades/person/create/",
        {"honorific": "Mr.", "name": "Wesley LEUNG Ka Chun", "role": "", "profile_url": ""},
    )
    assert response.status_code == 302
    person = Person.objects.get()
    response = admin_client.post(
        "/admin/accolades/award/create/",
        {
            "person": person.pk,
            "title": "Innovation and Technology Scholarship",
            "awarding_body": "",
            "year": "2025",
            "description": "",
            "story": "",
        },
    )
    assert response.status_code == 302
    assert (
        str(Award.objects.get())
        == "Mr. Wesley LEUNG Ka Chun: Innovation and Technology Scholarship"
    )


def test_an_award_year_must_be_plausible(admin_client, awards):
    response = admin_client.post(
        "/admin/accolades/award/create/",
        {"person": awards[0].person.pk, "title": "Prize", "year": "20255", "story": ""},
    )
    assert response.status_code == 200
    assert Award.objects.count() == 2
    # What the editor typed is still in the form.
    assert 'value="Prize"' in response.content.decode()


def test_award_chooser_searches_by_person_and_title(admin_client, awards):
    url = reverse("award_chooser:choose_results")
    by_person = admin_client.get(url, {"q": "HUI"}).content.decode()
    assert "Distinguished Fellow Award" in by_person and "Most-cited" not in by_person
    by_title = admin_client.get(url, {"q": "Scientists"}).content.decode()
    assert "Most-cited Scientists" in by_title and "Distinguished" not in by_title


def test_accolades_page_shows_rankings_facts_and_every_award(client, demo_site, awards):
    soup = BeautifulSoup(client.get("/rankings-and-accolades/").content, "html.parser")
    text = " ".join(soup.get_text(" ").split())
    assert "QS Asia University Rankings 2026" in text
    assert "No. 19 Globally" in text
    assert "Unicorn Start-Ups" in text
    people = [h.get_text(" ", strip=True) for h in soup.select(".award__person")]
    # The seed's four awards and the two made here, newest year first.
    assert len(people) == 6
    assert "Prof. Kai Lung HUI" in people and "Mr. Wesley LEUNG Ka Chun" in people


def test_award_links_to_its_story_only_while_the_story_is_live(client, demo_site, awards):
    from stories.models import StoryPage

    story = StoryPage.objects.live().first()
    awards[0].story = story
    awards[0].save()
    assert story.url.encode() in client.get("/rankings-and-accolades/").content
    story.unpublish()
    assert story.url.encode() not in client.get("/rankings-and-accolades/").content


def test_a_person_with_awards_cannot_be_deleted_silently(admin_client, awards):
    person = awards[0].person
    response = admin_client.post(f"/admin/accolades/person/delete/{person.pk}/", follow=True)
    assert Person.objects.filter(pk=person.pk).exists()
    text = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    assert "is currently referenced by other objects" in text
    assert "Most-cited Scientists" in text  # the award that stands in the way


def test_renamed_person_is_found_in_the_award_chooser(admin_client, awards):
    person = awards[1].person
    person.name = "Kelvin HUI"
    person.save()
    url = reverse("award_chooser:choose_results")
    assert "Distinguished Fellow Award" in admin_client.get(url, {"q": "Kelvin"}).content.decode()
