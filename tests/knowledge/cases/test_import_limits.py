"""Bulk imports that cannot exhaust a worker: the size is checked before the upload is read, the
rows are counted while the file is read (a 150,000-row file stops at row 5,002), an XLSX that
would unpack too far is refused before anything is inflated, and a background job always ends
``done`` or ``failed``, with a sweep for the jobs whose worker is gone."""

from __future__ import annotations

import csv
import io
import struct
import time
import zipfile
from collections.abc import Iterable, Sequence
from datetime import timedelta
from xml.sax.saxutils import escape

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from knowledge.evidence import imports
from knowledge.evidence.imports import (
    COLUMN_NAMES,
    MAX_LINES,
    MAX_ROWS,
    ImportFileError,
    parse_rows,
)
from knowledge.evidence.services import cases as services
from knowledge.evidence.tasks import run_case_import, sweep_case_imports
from knowledge.models import Case, CaseImportJob

pytestmark = pytest.mark.django_db

GOOD = {
    "title": "Imported case",
    "country": "KE",
    "sector": "C10",
    "enterprise_size": "small",
    "year": "2014",
    "methodology": "cp_assessment",
    "summary": "Imported.",
}
HEADER = ",".join(COLUMN_NAMES).encode() + b"\r\n"


def _csv(rows: Iterable[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _tall_csv(data_rows: int) -> bytes:
    """A header and ``data_rows`` one-cell rows: 150,000 of them are 300 kB, under any size
    limit, so only the row count can stop them."""
    return HEADER + b"x\r\n" * data_rows


# --- a small XLSX writer: fast enough for 150,000 rows, and free to write what Excel would not


_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Cases" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
    ),
}


def _row_xml(number: int, cells: Sequence[str]) -> str:
    return f'<row r="{number}">{"".join(_cell(number, i, v) for i, v in enumerate(cells, 1))}</row>'


def _cell(row: int, column: int, value: str) -> str:
    ref = f"{get_column_letter(column)}{row}"
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _xlsx(
    rows: Iterable[Sequence[str]] = (),
    *,
    sheet_rows_xml: Iterable[str] = (),
    dimension: str = "",
    padding: int = 0,
) -> bytes:
    """A workbook whose first sheet holds ``rows`` (header first) and then ``sheet_rows_xml``;
    ``padding`` bytes of whitespace inside the sheet make it unpack large (a zip bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PACKAGE.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            chunk = b" " * (1024 * 1024)
            for _ in range(padding // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"".join(_row_xml(n, r).encode() for n, r in enumerate(rows, 1)))
            sheet.write("".join(sheet_rows_xml).encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _tall_xlsx(data_rows: int) -> bytes:
    return _xlsx(
        [COLUMN_NAMES],
        sheet_rows_xml=(
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
            for n in range(2, data_rows + 2)
        ),
    )


def _start(tenancy, content, filename: str = "cases.csv") -> CaseImportJob:
    return services.case_import_start(
        actor=tenancy.staff_a, member=tenancy.member_a, filename=filename, content=content
    )


# --- the row limit, counted while reading ---------------------------------------------------


class _Counting(io.BytesIO):
    """A file that counts the reads made of it and the bytes they returned."""

    reads = 0
    bytes_read = 0

    def _count(self, data: bytes) -> bytes:
        self.reads += 1
        self.bytes_read += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._count(super().read(size))

    def read1(self, size: int | None = -1) -> bytes:
        return self._count(super().read1(size))


@pytest.mark.parametrize(("filename", "make"), [("big.csv", _tall_csv), ("big.xlsx", _tall_xlsx)])
def test_a_150000_row_file_stops_being_read_after_the_limit(filename, make) -> None:
    content = make(150_000)
    stream = _Counting(content)
    with pytest.raises(ImportFileError, match=f"at most {MAX_ROWS} rows") as caught:
        parse_rows(filename=filename, content=stream)
    # Reading stopped at the first data row over the limit (the header is row 1)...
    assert caught.value.row == MAX_ROWS + 2
    # ...having read a small part of the file: not all of it and then counted, nor (XLSX) the
    # whole sheet scanned first for a size it does not declare.
    assert stream.bytes_read < len(content) // 5


def test_exactly_the_limit_is_accepted_and_blank_lines_do_not_count() -> None:
    body = b"x\r\n\r\n,,,\r\n" * MAX_ROWS  # each data row followed by two blank ones
    rows = parse_rows(filename="full.csv", content=HEADER + body)
    assert len(rows) == MAX_ROWS
    assert (rows[0].number, rows[-1].number) == (2, 3 * MAX_ROWS - 1)
    with pytest.raises(ImportFileError, match=f"at most {MAX_ROWS} rows"):
        parse_rows(filename="full.csv", content=HEADER + body + b"x\r\n")


def test_a_150000_row_upload_is_refused_on_the_form_and_records_nothing(client, tenancy) -> None:
    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:case-import", args=["kncpc"])
    for name, content in (("big.csv", _tall_csv(150_000)), ("big.xlsx", _tall_xlsx(150_000))):
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200
        assert f"Import at most {MAX_ROWS} rows at a time." in response.content.decode()
    assert not CaseImportJob.objects.exists()


def test_endless_blank_rows_are_refused_at_the_line_limit() -> None:
    csv_content = _csv([GOOD]) + b"\r\n" * (MAX_LINES + 10)
    with pytest.raises(ImportFileError, match="counting blank ones") as caught:
        parse_rows(filename="blank.csv", content=csv_content)
    assert caught.value.row == MAX_LINES + 1
    # One stray cell in Excel's last row: the reader fills in the million rows before it.
    stray = _xlsx(
        [COLUMN_NAMES, [GOOD.get(c, "") for c in COLUMN_NAMES]],
        sheet_rows_xml=['<row r="1048576"><c r="A1048576"><v>1</v></c></row>'],
    )
    with pytest.raises(ImportFileError, match="counting blank ones"):
        parse_rows(filename="stray.xlsx", content=stray)


def test_a_declared_sheet_width_is_not_padded_out() -> None:
    content = _xlsx(
        [COLUMN_NAMES, [GOOD.get(c, "") for c in COLUMN_NAMES]],
        sheet_rows_xml=['<row r="3"><c r="XFD3" t="inlineStr"><is><t>far</t></is></c></row>'],
        dimension="A1:XFD1048576",
    )
    rows = parse_rows(filename="wide.xlsx", content=content)
    assert [r.number for r in rows] == [2]  # the far cell is right of every column read
    assert rows[0].values["country"] == "KE" and set(rows[0].values) <= set(COLUMN_NAMES)


def test_the_hand_made_workbook_imports_like_one_from_excel(tenancy) -> None:
    good = [GOOD.get(c, "") for c in COLUMN_NAMES]
    content = _xlsx([COLUMN_NAMES, good, good])
    job = _start(tenancy, content, filename="cases.xlsx")
    assert job.state == "done" and job.created == 2


# --- size, before reading -------------------------------------------------------------------


def _upload(content: bytes, *, size: int | None = None) -> tuple[InMemoryUploadedFile, _Counting]:
    stream = _Counting(content)
    size = len(content) if size is None else size
    return InMemoryUploadedFile(stream, "file", "cases.csv", "text/csv", size, None), stream


def test_an_oversize_upload_is_refused_before_it_is_read(tenancy, settings) -> None:
    settings.IMPORT_MAX_BYTES = 1000
    upload, stream = _upload(_csv([GOOD]) + b"x" * 1000)
    with pytest.raises(ValidationError) as caught:
        _start(tenancy, upload)
    assert "larger than" in caught.value.message_dict["file"][0]
    assert stream.reads == 0
    assert not CaseImportJob.objects.exists()


def test_an_upload_bigger_than_it_says_is_refused_after_the_limit(tenancy, settings) -> None:
    settings.IMPORT_MAX_BYTES = 1000
    content = _csv([GOOD]) * 100
    upload, stream = _upload(content, size=10)
    with pytest.raises(ValidationError, match="larger than"):
        _start(tenancy, upload)
    assert stream.bytes_read == 1001  # the limit and one byte: enough to know


def test_the_form_shows_the_size_limit_and_refuses_a_larger_file(client, tenancy, settings):
    settings.IMPORT_MAX_BYTES = 2048
    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:case-import", args=["kncpc"])
    assert f"{filesizeformat(2048)} per file" in client.get(url).content.decode()
    upload = SimpleUploadedFile("big.csv", _csv([GOOD] * 50))
    page = client.post(url, {"file": upload}).content.decode()
    assert f"The file is larger than {filesizeformat(2048)}" in page
    assert not CaseImportJob.objects.exists()


def test_outsiders_and_the_other_member_are_refused_whatever_the_file(client, tenancy, settings):
    """Tenancy first: not a word about the size. Member A is active, so who is not its staff
    gets 403; a member they may not see, 404."""
    settings.IMPORT_MAX_BYTES = 10
    url = reverse("knowledge:case-import", args=["kncpc"])
    for user in (tenancy.staff_b, tenancy.outsider):
        client.force_login(user)
        upload = SimpleUploadedFile("big.csv", _tall_csv(10))
        assert client.post(url, {"file": upload}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.case_import_start(
            actor=tenancy.staff_b, member=tenancy.member_a, filename="a.csv", content=b"x" * 99
        )
    tenancy.member_a.status = "suspended"
    tenancy.member_a.save(update_fields=["status"])
    with pytest.raises(Http404):
        services.case_import_start(
            actor=tenancy.staff_b, member=tenancy.member_a, filename="a.csv", content=b"x" * 99
        )


# --- XLSX that would unpack too far ---------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tenancy, settings) -> None:
    bomb = _xlsx([COLUMN_NAMES], padding=settings.IMPORT_MAX_UNPACKED_BYTES + 1024 * 1024)
    assert len(bomb) < settings.IMPORT_MAX_BYTES  # small enough to pass the upload limit
    with pytest.raises(ValidationError) as caught:
        _start(tenancy, bomb, filename="bomb.xlsx")
    message = caught.value.message_dict["file"][0]
    declared = settings.IMPORT_MAX_UNPACKED_BYTES + 1024 * 1024 + 1  # and the other parts
    assert f"unpacks to {filesizeformat(declared)}" in message
    assert f"at most {filesizeformat(settings.IMPORT_MAX_UNPACKED_BYTES)}" in message
    assert not CaseImportJob.objects.exists()


def _understate(content: bytes, name: bytes, size: int) -> bytes:
    """``content`` with the unpacked size of entry ``name`` declared as ``size`` (in its local
    header and in the central directory), as a bomb that lies about itself would."""
    data = bytearray(content)
    local, central = data.index(name) - 30, data.rindex(name) - 46
    assert data[local : local + 4] == b"PK\x03\x04" and data[central : central + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_a_bomb_that_understates_its_size_is_never_inflated_past_it(settings) -> None:
    bomb = _xlsx([COLUMN_NAMES], padding=settings.IMPORT_MAX_UNPACKED_BYTES + 1024 * 1024)
    liar = _understate(bomb, b"xl/worksheets/sheet1.xml", 4096)
    # zipfile yields no more than an entry declares; the rest fails its checksum.
    with pytest.raises(ImportFileError, match="not a readable XLSX"):
        parse_rows(filename="liar.xlsx", content=liar)


# --- any bytes: a parsed file or an error naming the file, never another exception ------------

_ANY_BYTES = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=2000).map(lambda tail: HEADER + tail),
    st.binary(max_size=2000).map(lambda tail: b"PK\x03\x04" + tail),
    st.text(max_size=500).map(lambda text: HEADER + text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200).map(lambda tail: _xlsx([COLUMN_NAMES])[:-200] + tail),
)


@hsettings(max_examples=300, deadline=None)
@given(content=_ANY_BYTES, filename=st.sampled_from(["a.csv", "a.xlsx", "a"]))
def test_any_bytes_parse_to_rows_or_an_import_file_error(content: bytes, filename: str) -> None:
    try:
        rows = parse_rows(filename=filename, content=content)
    except ImportFileError as exc:
        message = str(exc)
        rows = []
    else:
        message = ""
        assert 0 < len(rows) <= MAX_ROWS
        assert all(set(r.values) <= {*COLUMN_NAMES, ""} for r in rows)
    assert bool(message) != bool(rows)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=_ANY_BYTES, filename=st.sampled_from(["a.csv", "a.xlsx"]))
def test_any_upload_gives_a_file_error_or_a_finished_job(tenancy, content, filename) -> None:
    try:
        job = _start(tenancy, SimpleUploadedFile(filename, content), filename=filename)
    except ValidationError as exc:
        fields = set(exc.message_dict)
    else:
        fields = set()
        assert job.state in ("done", "failed")
    assert fields in ({"file"}, set())


# --- a job always ends ----------------------------------------------------------------------

_REFUSE_SQLITE = """
CREATE TRIGGER refuse_exploding_case BEFORE INSERT ON knowledge_case
WHEN NEW.title = 'Explode' BEGIN SELECT RAISE(ABORT, 'numeric field overflow'); END
"""
_REFUSE_POSTGRES = """
CREATE FUNCTION refuse_exploding_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.title = 'Explode' THEN
    RAISE EXCEPTION 'numeric field overflow' USING ERRCODE = '22003';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_exploding_case BEFORE INSERT ON knowledge_case
FOR EACH ROW EXECUTE FUNCTION refuse_exploding_case();
"""


def _database_refuses_title_explode() -> None:
    """The database itself refuses one row when it is written, as it does a value that
    overflows a column (PostgreSQL: the same SQLSTATE, so a DataError). Rolled back with the
    test."""
    with connection.cursor() as cursor:
        cursor.execute(_REFUSE_POSTGRES if connection.vendor == "postgresql" else _REFUSE_SQLITE)


def _background_job(tenancy, rows, django_capture_on_commit_callbacks) -> CaseImportJob:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = _start(tenancy, _csv(rows), filename="big.csv")
    assert job.state == "pending" and len(callbacks) == 1
    return job


def test_a_row_the_database_refuses_in_the_worker_fails_the_job_and_shows_the_row(
    client, tenancy, django_capture_on_commit_callbacks
) -> None:
    rows = [{**GOOD, "title": f"Case {n}"} for n in range(services.IMPORT_ASYNC_ROWS + 5)]
    rows[150]["title"] = "Explode"  # file row 152 (the header is row 1)
    job = _background_job(tenancy, rows, django_capture_on_commit_callbacks)
    _database_refuses_title_explode()
    run_case_import.apply(args=(job.pk,))  # what the worker runs
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None and job.content in (b"", None)
    assert [(e["row"], e["field"]) for e in job.errors] == [(152, "")]
    assert "The database refused" in job.errors[0]["message"]
    assert job.created == 0 and not Case.objects.exists()  # all rows or none
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:case-import-job", args=[job.public_id])).content
    assert b"Nothing was imported" in page and b'<td class="num">152</td>' in page
    assert b"The database refused" in page
    status = client.get(reverse("knowledge:case-import-status", args=[job.public_id])).json()
    assert status["state"] == "failed" and status["errors"] == 1


@pytest.mark.postgres
def test_on_postgresql_the_refusal_is_a_data_error_named_as_such(
    tenancy, django_capture_on_commit_callbacks
) -> None:
    rows = [{**GOOD, "title": f"Case {n}"} for n in range(services.IMPORT_ASYNC_ROWS + 1)]
    rows[-1]["title"] = "Explode"
    job = _background_job(tenancy, rows, django_capture_on_commit_callbacks)
    _database_refuses_title_explode()
    run_case_import.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.errors == [
        {
            "row": len(rows) + 1,
            "field": "",
            "message": "The database refused a value of this row (a number too large?).",
        }
    ]
    # The failed write was rolled back to its savepoint: the connection still works.
    assert Case.objects.count() == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_ends_a_job_whose_row_the_database_refuses(tenancy, celery_worker):
    rows = [{**GOOD, "title": f"Case {n}"} for n in range(services.IMPORT_ASYNC_ROWS + 3)]
    rows[7]["title"] = "Explode"
    _database_refuses_title_explode()  # committed: the worker's connection sees it
    try:
        job = _start(tenancy, _csv(rows), filename="big.csv")
        assert job.state == "pending"
        deadline = time.monotonic() + 30
        while job.state in ("pending", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
    finally:
        with connection.cursor() as cursor:  # the flush after the test does not drop triggers
            cursor.execute("DROP TRIGGER refuse_exploding_case ON knowledge_case")
            cursor.execute("DROP FUNCTION refuse_exploding_case()")
    assert job.state == "failed" and job.errors[0]["row"] == 9
    assert "The database refused a value" in job.errors[0]["message"]
    assert not Case.objects.exists()


def test_the_soft_time_limit_fails_the_job_with_the_row_it_reached(
    tenancy, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    rows = [{**GOOD, "title": f"Case {n}"} for n in range(services.IMPORT_ASYNC_ROWS + 1)]
    job = _background_job(tenancy, rows, django_capture_on_commit_callbacks)
    read = imports.row_to_input

    def slow(values):  # Celery raises the soft limit in whatever code is running then
        if values["title"] == "Case 99":
            raise SoftTimeLimitExceeded()
        return read(values)

    monkeypatch.setattr(imports, "row_to_input", slow)
    run_case_import.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == "failed" and job.errors[0]["row"] == 101
    assert "took longer than 30 minutes" in job.errors[0]["message"]
    assert not Case.objects.exists()


# --- the sweep ------------------------------------------------------------------------------


def _job(tenancy, state: str, *, age: timedelta, started: bool = True) -> CaseImportJob:
    job = CaseImportJob.objects.create(
        member=tenancy.member_a, created_by=tenancy.staff_a, filename="c.csv", state=state
    )
    when = timezone.now() - age
    CaseImportJob.objects.filter(pk=job.pk).update(
        created_at=when, started_at=when if started and state == "running" else None
    )
    return job


def test_the_sweep_fails_jobs_whose_worker_is_gone_and_nothing_else(client, tenancy) -> None:
    long_ago = timedelta(seconds=imports.STUCK_AFTER + 60)
    recently = timedelta(seconds=imports.WORKER_TIME_LIMIT - 60)
    stuck = [
        _job(tenancy, "pending", age=long_ago),  # its message was lost
        _job(tenancy, "running", age=long_ago),  # its worker was killed
        _job(tenancy, "running", age=long_ago, started=False),  # claimed before started_at
    ]
    alive = [
        _job(tenancy, "pending", age=recently),
        _job(tenancy, "running", age=recently),
        _job(tenancy, "done", age=long_ago),
        _job(tenancy, "failed", age=long_ago),
    ]
    assert sweep_case_imports.apply().get() == 3
    assert sweep_case_imports.apply().get() == 0  # idempotent
    for job in stuck:
        job.refresh_from_db()
        assert job.state == "failed" and job.finished_at is not None
        assert "did not finish within 36 minutes" in job.errors[0]["message"]
    assert [CaseImportJob.objects.get(pk=j.pk).state for j in alive] == [
        "pending",
        "running",
        "done",
        "failed",
    ]
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:case-import-job", args=[stuck[1].public_id]))
    assert b"did not finish within 36 minutes" in page.content
    assert b'<td class="num"></td>' in page.content  # no row to name


def test_a_swept_job_stays_failed_and_its_late_worker_writes_nothing(
    tenancy, django_capture_on_commit_callbacks
) -> None:
    rows = [{**GOOD, "title": f"Case {n}"} for n in range(services.IMPORT_ASYNC_ROWS + 1)]
    pending = _background_job(tenancy, rows, django_capture_on_commit_callbacks)
    CaseImportJob.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - timedelta(seconds=imports.STUCK_AFTER + 1)
    )
    assert services.case_import_sweep() == 1
    run_case_import.apply(args=(pending.pk,))  # the lost message turns up after all
    pending.refresh_from_db()
    assert pending.state == "failed" and not Case.objects.exists()

    # A worker that outlives the sweep (it cannot under the hard time limit, but a web request
    # running a small import has none): its writes are rolled back with its "done".
    running = _background_job(tenancy, rows, django_capture_on_commit_callbacks)
    CaseImportJob.objects.filter(pk=running.pk).update(
        state="running", started_at=timezone.now() - timedelta(seconds=imports.STUCK_AFTER + 1)
    )
    running.refresh_from_db()
    assert services.case_import_sweep() == 1
    services._import_execute(running)
    running.refresh_from_db()
    assert running.state == "failed" and not Case.objects.exists()


def test_the_sweep_is_scheduled_in_code_and_registered_with_the_worker(settings) -> None:
    from recpnet.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    entries = [e for e in schedule if e["task"] == sweep_case_imports.name]
    assert len(entries) == 1 and entries[0]["schedule"] <= imports.STUCK_AFTER
    assert sweep_case_imports.name in app.tasks
    assert run_case_import.time_limit == imports.WORKER_TIME_LIMIT < imports.STUCK_AFTER
