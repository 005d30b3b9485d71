"""``manage.py audit_bounds``: list stored rows outside the declared ranges of recpnet.bounds.

Rows written before the ranges were declared (or by a bulk load that skipped the services) can
no longer be saved unchanged: the edit form refuses the out-of-range field. Run this before
deploying tighter ranges and correct what it lists; it writes nothing. Exit status 1 when it
finds anything, so it can gate a deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from knowledge.evidence.models.reports import ACTIVITY_FIELDS
from knowledge.models import AnnualReport, Case, ExchangeRate, ReportImpact
from members.models import Member, StatusChange, TierChange
from recpnet import bounds


def out_of_bounds() -> Iterator[str]:
    """One line per stored value outside its declared range."""
    years = ~Q(year__gte=bounds.YEAR_MIN, year__lte=bounds.year_max())
    for case in Case.objects.filter(years).only("public_id", "year"):
        yield f"case {case.public_id}: year {case.year}"
    counts = Q()
    for name in ("options_identified", "options_implemented", "enterprises"):
        counts |= Q(**{f"{name}__gt": bounds.COUNT_MAX})
    for case in Case.objects.filter(counts).only("public_id"):
        yield f"case {case.public_id}: a count above {bounds.COUNT_MAX:,}"
    for report in AnnualReport.objects.filter(years).select_related("member"):
        yield f"annual report {report.member.slug} {report.year}: year {report.year}"
    counters = Q()
    for name in ACTIVITY_FIELDS:
        counters |= Q(**{f"{name}__gt": bounds.COUNT_MAX})
    for report in AnnualReport.objects.filter(counters).select_related("member"):
        yield f"annual report {report.member.slug} {report.year}: a counter above the bound"
    money = ReportImpact.objects.exclude(currency="").select_related("report__member")
    for impact in money.iterator():
        exponent = impact.value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > bounds.MONEY_PLACES:
            report = impact.report
            yield (
                f"annual report {report.member.slug} {report.year}: {impact.indicator_id} "
                f"has more than {bounds.MONEY_PLACES} decimal places"
            )
    earliest, today = bounds.date_min(), bounds.date_max()
    dates = ~Q(joined_on__gte=earliest, joined_on__lte=today) & Q(joined_on__isnull=False)
    for member in Member.objects.filter(dates).only("slug", "joined_on"):
        yield f"member {member.slug}: joined on {member.joined_on}"
    established = ~Q(established__gte=bounds.ESTABLISHED_MIN, established__lte=bounds.year_max())
    for member in Member.objects.filter(established & Q(established__isnull=False)):
        yield f"member {member.slug}: established {member.established}"
    for model in (TierChange, StatusChange):
        rows = model.objects.filter(~Q(effective_on__gte=earliest, effective_on__lte=today))
        for change in rows.select_related("member"):
            yield f"{model._meta.verbose_name} of {change.member.slug}: {change.effective_on}"
    for rate in ExchangeRate.objects.filter(years):
        yield f"exchange rate {rate.currency} {rate.year}: year {rate.year}"


class Command(BaseCommand):
    help = "List stored values outside the declared ranges (recpnet/bounds.py); writes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        found = 0
        for line in out_of_bounds():
            self.stdout.write(line)
            found += 1
        if found:
            raise CommandError(f"{found} stored values are outside their declared ranges.")
        self.stdout.write("Every stored value is within its declared range.")
