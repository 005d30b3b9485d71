"""HTML routes of members."""

app_name = "members"

urlpatterns: list = []
