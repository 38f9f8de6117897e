"""Lookups shared by the volunteers views: 404 for unknown grids and shifts, 403 for people
who may not manage them, and a service error as one message line."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from portal.audit import audit_log
from portal.exports import csv_response, xlsx_response
from portal.models import Grid
from volunteers import selectors
from volunteers.models import Shift
from volunteers.permissions import can_manage_grid, can_manage_shift


def grid_or_404(code: str) -> Grid:
    grid = selectors.grid_for_page(code=code)
    if grid is None:
        raise Http404
    return grid


def shift_or_404(pk: int) -> Shift:
    shift = selectors.shift_for_page(pk=pk)
    if shift is None:
        raise Http404
    return shift


def managed_grid_or_403(request: HttpRequest, code: str) -> Grid:
    grid = grid_or_404(code)
    if not can_manage_grid(request.user, grid):
        raise PermissionDenied
    return grid


def managed_shift_or_403(request: HttpRequest, pk: int) -> Shift:
    shift = shift_or_404(pk)
    if not can_manage_shift(request.user, shift):
        raise PermissionDenied
    return shift


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def contacts_export(
    request: HttpRequest, *, fmt: str, instance, filename: str, header, rows, data: dict
) -> HttpResponse:
    """A list with contacts as CSV or Excel, written to the audit log first."""
    audit_log(
        actor=request.user,
        action="portal.export",
        instance=instance,
        data={**data, "format": fmt},
    )
    respond = xlsx_response if fmt == "xlsx" else csv_response
    return respond(filename=filename, header=header, rows=rows)
