from django.apps import AppConfig


class AccoladesConfig(AppConfig):
    name = "accolades"
    verbose_name = "Rankings & Accolades"
