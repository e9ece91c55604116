from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.blocks import ChooserBlock


class AwardChooserBlockBase(ChooserBlock):
    def bulk_to_python(self, values):
        # One query for a whole list of awards with their people, instead of one per award.
        objects = self.model_class.objects.select_related("person", "person__photo", "story")
        found = objects.in_bulk(values)
        return [found.get(pk) for pk in values]


class AwardChooserViewSet(ChooserViewSet):
    model = "accolades.Award"
    icon = "success"
    choose_one_text = "Choose an award"
    choose_another_text = "Choose another award"
    edit_item_text = "Edit this award"
    base_block_class = AwardChooserBlockBase
    form_fields = ["person", "title", "awarding_body", "year"]


award_chooser_viewset = AwardChooserViewSet("award_chooser", url_prefix="accolades/award-chooser")
