"""Set up the editors' roles and the stories' approval workflow; idempotent.

Editors create and edit pages, images, documents, story categories, people and awards,
and submit pages for moderation. Moderators can do all of that, and approve and publish.
Stories (the pages under News & Stories) go through the workflow "Story review".

Wagtail's first migrations already create groups of these names, with page permissions
on the tree's root: there they would let editors add pages beside the home page (a second
home page, say), so this command moves them to the home page. Anything else an
administrator gives these groups is left as it is.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accolades.models import Award, Person
from stories.models import StoryCategory, StoryIndexPage

EDITORS = "Editors"
MODERATORS = "Moderators"
WORKFLOW = "Story review"

# Wagtail 8's page permissions are Django permissions of wagtailcore.Page ("add_page" …),
# granted on the home page and so on every page of the site. Without "publish", saving a
# page can only submit it to its workflow.
PAGE_ACTIONS = {
    EDITORS: ["add", "change"],
    MODERATORS: ["add", "change", "publish", "lock", "unlock"],
}
# Records edited outside the page tree: story categories (snippets), people and awards.
RECORD_MODELS = [StoryCategory, Person, Award]
RECORD_ACTIONS = ["add", "change", "view"]
# Images and documents of every collection: upload, edit, and choose them for a page.
MEDIA_ACTIONS = ["add", "change", "choose"]


def permission(model, action):
    return Permission.objects.get(
        content_type=ContentType.objects.get_for_model(model),
        codename=f"{action}_{model._meta.model_name}",
    )


class Command(BaseCommand):
    help = "Create the Editors and Moderators groups and the stories' approval workflow."

    @transaction.atomic
    def handle(self, *args, **options):
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in PAGE_ACTIONS}
        access_admin = Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        records = [
            permission(model, action) for model in RECORD_MODELS for action in RECORD_ACTIONS
        ]
        media = [
            permission(model, action)
            for model in (get_image_model(), get_document_model())
            for action in MEDIA_ACTIONS
        ]
        collection = Collection.get_first_root_node()
        if collection is None:
            # A flushed database (as after a transactional test) has no collections at all.
            collection = Collection.add_root(name="Root")
        for group in groups.values():
            group.permissions.add(access_admin, *records)
            for perm in media:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=perm
                )

        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        home = site and site.root_page
        if home is None:
            self.stdout.write("No site yet: page permissions and the workflow were skipped.")
        else:
            self.grant_pages(groups, home)
            self.moderate_stories(home, groups[MODERATORS])
        self.stdout.write(self.style.SUCCESS("The Editors and Moderators groups are in place."))

    def grant_pages(self, groups, home):
        for name, actions in PAGE_ACTIONS.items():
            group = groups[name]
            # Wagtail's initial grants on the tree's root (see above).
            GroupPagePermission.objects.filter(group=group, page__depth=1).delete()
            for action in actions:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=home, permission=permission(Page, action)
                )

    def moderate_stories(self, home, moderators):
        index = StoryIndexPage.objects.child_of(home).first()
        if index is None:
            self.stdout.write(f"No News & Stories page: the workflow {WORKFLOW!r} was skipped.")
            return
        task, _ = GroupApprovalTask.objects.get_or_create(name=WORKFLOW)
        task.groups.add(moderators)
        workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW)
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
        assigned, _ = WorkflowPage.objects.get_or_create(
            page=index, defaults={"workflow": workflow}
        )
        if assigned.workflow_id != workflow.pk:
            # An administrator chose another workflow for the stories: theirs stays.
            self.stdout.write(f"{index.title} keeps its workflow {assigned.workflow.name!r}.")
