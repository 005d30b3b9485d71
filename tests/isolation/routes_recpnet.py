"""Project-level routes (home, dashboard, health, API auth and schema)."""

from .routes import Route, everyone, logged_in

ROUTES = {
    "home": Route(expect=everyone(200)),
    "dashboard": Route(expect=logged_in(200)),
    "healthz": Route(expect=everyone(200)),
    "api-token": Route(expect=everyone(405), note="POST issues, DELETE revokes the caller's"),
    "account_tokens": Route(expect=logged_in(200), note="one's own tokens only"),
    "api-schema": Route(expect=everyone(200)),
    "api-docs": Route(expect=everyone(200)),
}
