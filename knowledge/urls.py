"""HTML routes of knowledge."""

app_name = "knowledge"

urlpatterns: list = []
