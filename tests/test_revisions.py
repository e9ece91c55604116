"""Every page type keeps its history: revisions can be compared and an earlier one restored."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accolades.models import AccoladesPage
from home.models import ContentPage, HomePage
from stories.models import StoryIndexPage, StoryPage

pytestmark = pytest.mark.django_db

REVISED = "Revised wording for the history test"


def heading(text):
    return ("heading", {"text": text, "level": "h2"})


# How each page type is revised: a field an editor would change, different for each.
REVISIONS = {
    HomePage: lambda page: page.body.append(heading(REVISED)),
    StoryIndexPage: lambda page: setattr(page, "intro", REVISED),
    StoryPage: lambda page: page.body.append(heading(REVISED)),
    # The accolades page's text sits in a "Text and media" section of its own.
    AccoladesPage: lambda page: page.body.append(("content", [heading(REVISED)])),
    ContentPage: lambda page: page.body.append(heading(REVISED)),
}


@pytest.fixture
def editor(client, demo_site, django_user_model):
    user = django_user_model.objects.create_user("editor", password="password")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


@pytest.fixture
def pages(demo_site):
    """A page of each type: the demo content's, and an About page it does not have."""
    about = ContentPage(title="About", slug="about", intro="Who we are.")
    demo_site.add_child(instance=about)
    about.save_revision().publish()
    return {model: model.objects.first() for model in REVISIONS}


@pytest.mark.parametrize("model", REVISIONS, ids=lambda model: model.__name__)
def test_revisions_of_every_page_type_compare_and_restore(editor, pages, model):
    page = pages[model]
    earlier = page.save_revision(log_action=True)
    REVISIONS[model](page)
    later = page.save_revision(log_action=True)
    assert REVISED not in str(earlier.content) and REVISED in str(later.content)

    compare_url = reverse(
        "wagtailadmin_pages:revisions_compare", args=(page.pk, earlier.pk, later.pk)
    )
    restore_url = reverse("wagtailadmin_pages:revisions_revert", args=(page.pk, earlier.pk))
    history = editor.get(reverse("wagtailadmin_pages:history", args=(page.pk,)))
    assert history.status_code == 200
    # The history offers both: compare a revision with the one before, restore a revision.
    assert compare_url in history.content.decode()
    assert restore_url in history.content.decode()

    compare = editor.get(compare_url)
    assert compare.status_code == 200
    assert REVISED in compare.content.decode()

    # Restoring opens the editing form filled with the earlier revision, to be saved again.
    edit = editor.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert REVISED in edit.content.decode()
    restore = editor.get(restore_url)
    assert restore.status_code == 200
    assert REVISED not in restore.content.decode()
