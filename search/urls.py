from django.urls import path

from site_config.sites import site_required

from . import views

app_name = "search"
urlpatterns = [
    path("", site_required(views.search), name="search"),
    path("suggest/", site_required(views.suggest), name="suggest"),
]
