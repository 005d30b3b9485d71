"""HTML routes of chapters."""

app_name = "chapters"

urlpatterns: list = []
