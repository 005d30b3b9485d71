#!/usr/bin/env python
"""Account-enumeration benchmark: does the portal answer as fast for an address it knows as for
one it does not?

    .venv/bin/python bench/enumeration.py              # median of 7 per path
    .venv/bin/python bench/enumeration.py --repeat 15

Through the Django test client, with the configured settings (``DJANGO_SETTINGS_MODULE``,
default the local ones, so the production password hasher) and a test database of the
configured engine (``DATABASE_URL``; created, migrated and dropped here, so no real account is
touched). Rate limits are off for the run and every request comes from a fresh client.

Timed, each the median of ``--repeat`` interleaved runs (so that load from elsewhere on the
machine falls on both paths alike):
- sign-up with a new address and with one that has an account;
- password reset for an unknown address and for a known one;
- log-in with a wrong password for an unknown address and for a known one.

Printed per flow: both medians and the ratio known ÷ unknown (1.00 means no difference).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recpnet.settings.local")

PASSWORD = "a long and unguessable pass phrase 7"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per path (default 7)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test.utils import (
        override_settings,
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    logging.disable(logging.INFO)  # the security log would print a line per failed log-in
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        with override_settings(ACCOUNT_RATE_LIMITS=False):
            run(args.repeat)
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()


def run(repeat: int) -> None:
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from recpnet.models import User

    known: list[str] = []
    for i in range(repeat):
        user = User.objects.create_user(email=f"known{i}@bench.example.org", password=PASSWORD)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        known.append(user.email)

    def unknown() -> str:
        return f"new-{uuid.uuid4().hex[:12]}@bench.example.org"

    def post(path: str, data: dict[str, str]) -> float:
        cache.clear()
        client = Client()
        started = time.perf_counter()
        response = client.post(path, data)
        elapsed = time.perf_counter() - started
        if response.status_code not in (200, 302):
            raise SystemExit(f"{path} answered {response.status_code}")
        return elapsed

    def signup(email: str) -> float:
        return post(
            "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        )

    def reset(email: str) -> float:
        return post("/accounts/password/reset/", {"email": email})

    def login(email: str) -> float:
        return post("/accounts/login/", {"login": email, "password": PASSWORD + "x"})

    flows: list[tuple[str, Callable[[str], float]]] = [
        ("sign-up", signup),
        ("password reset", reset),
        ("log-in (wrong password)", login),
    ]
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    print(f"password hasher: {hasher}; {repeat} runs per path, median seconds")
    print(f"{'flow':<26}{'unknown':>10}{'known':>10}{'known/unknown':>15}")
    for label, flow in flows:
        flow(unknown())  # warm-up: templates, hasher, connection
        times_new: list[float] = []
        times_known: list[float] = []
        for i in range(repeat):
            times_new.append(flow(unknown()))
            times_known.append(flow(known[i]))
        new, old = statistics.median(times_new), statistics.median(times_known)
        print(f"{label:<26}{new:>10.3f}{old:>10.3f}{old / new:>15.2f}")


if __name__ == "__main__":
    main()
