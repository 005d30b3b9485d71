"""The WSGI application without the production settings default (for in-process callers such
as the API fuzz test)."""

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application


def wsgi_application() -> WSGIHandler:
    return get_wsgi_application()
