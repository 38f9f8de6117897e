"""Spreadsheet exports shared by the apps: CSV (UTF-8 with BOM, opens in Excel) and XLSX,
with every cell that a spreadsheet would run as a formula neutralised."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(text: str) -> str:
    """The text, with a leading apostrophe when a spreadsheet would run it as a formula
    (=, +, -, @, tab, carriage return)."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_cell(value):
    """The value, with a leading apostrophe when a text would start a formula
    (=, +, -, @, tab, carriage return). Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    return neutralise_text(str(value))


def neutralise_wagtail_exports() -> None:
    """Make every spreadsheet export of the Wagtail admin formula-safe.

    Wagtail's `SpreadsheetExportMixin` writes cell values as they are; it is the base of every
    admin listing's CSV/XLSX download: the project's viewsets, and Wagtail's own reports, site
    history, user list and form submissions. Wrapping its one per-cell hook here, once at
    start-up, covers all of them, including views the project never subclasses; a subclass
    per view would leave the next one open. Texts only: numbers and dates keep their type.
    Idempotent (a neutralised text no longer starts with a formula character)."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "formula_safe", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        result = original(self, field, value, export_format)
        if isinstance(result, str):
            return neutralise_text(result)
        return result

    preprocess_field_value.formula_safe = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value


class _Echo:
    def write(self, value):
        return value


def csv_response(
    *, filename: str, header: Sequence, rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A streamed CSV download; `filename` without extension."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow([safe_cell(c) for c in header])
        for row in rows:
            yield writer.writerow([safe_cell(c) for c in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(*, filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """An XLSX download written in openpyxl's write-only mode; `filename` without extension."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([safe_cell(c) for c in header])
    for row in rows:
        sheet.append([safe_cell(c) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
