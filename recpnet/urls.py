"""Root URLs: each app's pages and API routes are included from its own modules."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from recpnet import api, views

# The Django admin logs in through allauth: same rate limits, verification and MFA.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "RECPnet Portal administration"

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    # The schema and its docs are public documentation: they read no credentials (a reviewer
    # yet to set up two-factor authentication may read them like anyone).
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[]), name="api-schema"),
    # The split view serves its start-up script from a URL, so the docs work under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", authentication_classes=[]),
        name="api-docs",
    ),
    path("", include("chapters.api_urls")),
    path("", include("members.api_urls")),
    path("", include("knowledge.api_urls")),
]

handler404 = "recpnet.views.not_found"
handler500 = "recpnet.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/tokens/", views.account_tokens, name="account_tokens"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("chapters.urls")),
    path("", include("members.urls")),
    path("", include("knowledge.urls")),
]
