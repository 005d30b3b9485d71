"""HTML routes of chapters."""

from django.urls import path

from . import views

app_name = "chapters"

urlpatterns = [
    path("chapters/", views.chapter_list, name="list"),
    path("chapters/new/", views.chapter_create, name="create"),
    path("chapters/<slug:slug>/", views.chapter_detail, name="detail"),
    path("chapters/<slug:slug>/edit/", views.chapter_edit, name="edit"),
    path("chapters/<slug:slug>/countries/", views.country_assign, name="country_assign"),
    path("chapters/<slug:slug>/coordinators/", views.coordinator_add, name="coordinator_add"),
    path(
        "chapters/<slug:slug>/coordinators/<int:pk>/remove/",
        views.coordinator_remove,
        name="coordinator_remove",
    ),
]
