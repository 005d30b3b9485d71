"""Pages of the catalogue: indicators and exchange rates (included by knowledge/urls.py,
namespace ``knowledge``)."""

from django.urls import URLPattern, URLResolver, path

from knowledge.catalogue import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("indicators/", views.catalogue, name="catalogue"),
]
