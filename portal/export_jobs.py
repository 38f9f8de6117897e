"""Exports made off the request: a staff table's spreadsheet (every community-scoped admin
listing with a `list_export`) and a person's data ZIP, each an ExportJob written by the task
portal.tasks.run_export_job on the "exports" queue.

- `export_job_request()` (the request): checks who may export what, records the scope, stores
  the job and enqueues the task after the transaction commits.
- `run()` (the task): claims the job (only one run at a time; a run that died is taken over
  after STALE_AFTER), writes the file in private storage with progress on the row, and marks
  it done once: only the run that claimed it may finish it.
- `export_job_for_download()`: the permission check of every status and download view: the
  person who asked, or a superuser for staff exports (a data ZIP is its owner's only).
- `exports_resume()`: queues again the jobs whose run died with its worker, or whose task was
  lost (`manage.py exports_resume`, from cron every minute).
- `exports_purge()`: deletes the files and rows of expired jobs (`manage.py exports_purge`).

The rows of a staff export are the listing's own, read by the listing's index view from the
list's query string: the viewset's `scope_queryset` (staff their communities, district
administrators everything), its filters, its search box and its ordering; the columns are its
`list_export`; every text cell is formula-safe (portal.exports)."""

import csv
import datetime
import decimal
import io
import logging
import tempfile
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.exports import safe_cell
from portal.models import ExportJob, User
from portal.models.exports import EXPORT_KEPT_FOR
from portal.permissions import is_district_admin, staff_community_ids
from portal.storage import private_storage

logger = logging.getLogger(__name__)

PERSONAL_DATA = "personal_data"
# A running job whose progress has not moved for this long is taken to have lost its worker
# and may be claimed again (settings.EXPORTS_STALE_AFTER, seconds, changes it). A run that
# is alive records its progress at least three times in that time.
STALE_AFTER = datetime.timedelta(minutes=10)
PROGRESS_EVERY = 500  # rows between two progress updates


def stale_after() -> datetime.timedelta:
    seconds = getattr(settings, "EXPORTS_STALE_AFTER", None)
    return datetime.timedelta(seconds=seconds) if seconds else STALE_AFTER


# --- Storage ------------------------------------------------------------------------------


def export_storage():
    """STORAGES["exports"] when configured (private objects in S3, see
    portal.settings.object_storage), else local disk outside MEDIA_ROOT: EXPORTS_ROOT, by
    default <PORTAL_VAR_DIR>/private-media/exports."""
    return private_storage("exports", setting="EXPORTS_ROOT", subfolder="exports")


# --- What can be exported -----------------------------------------------------------------


@dataclass(frozen=True)
class TableSource:
    """A community-scoped admin listing, exported as its index view would."""

    viewset: object

    @property
    def name(self) -> str:
        return self.viewset.url_namespace

    @property
    def title(self) -> str:
        return str(capfirst(self.viewset.model._meta.verbose_name_plural))

    def allowed(self, user) -> bool:
        policy = self.viewset.permission_policy
        if not policy.user_has_any_permission(user, ["add", "change", "delete", "view"]):
            return False
        return is_district_admin(user) or bool(staff_community_ids(user))

    def queryset(self, user, query: str):
        """The rows of the listing as `user` sees it with `query` (its query string): the
        index view itself answers, so the scope, the filters, the search box and the
        ordering are the listing's own. Search results (Wagtail's search backend) become a
        queryset of their rows, in the listing's default order."""
        viewset = self.viewset
        rows = self.index_view(user, query).get_queryset()
        if not isinstance(rows, QuerySet):
            rows = viewset.model._default_manager.filter(pk__in=[item.pk for item in rows])
        related = getattr(viewset, "related", ())
        if isinstance(related, (list, tuple)) and related:
            rows = rows.select_related(*related)
        ordering = list(rows.query.order_by)
        if not ordering:
            ordering = getattr(viewset, "ordering", None)
            ordering = list(ordering) if isinstance(ordering, (list, tuple)) else []
        return rows.order_by(*ordering, "pk")

    def index_view(self, user, query: str):
        """The listing's index view, set up for `user` and the list's query string, without
        serving it (a task has no request: this one carries only the person and the query)."""
        request = HttpRequest()
        request.method = "GET"
        request.GET = QueryDict(query)
        request.user = user
        request.META["SERVER_NAME"], request.META["SERVER_PORT"] = "localhost", "80"
        index = self.viewset.index_view
        view = index.view_class(**index.view_initkwargs)
        view.setup(request)
        return view

    def header(self) -> list[str]:
        from django.contrib.admin.utils import label_for_field

        viewset, model = self.viewset, self.viewset.model
        headings = getattr(viewset, "export_headings", None)
        headings = headings if isinstance(headings, dict) else {}
        header = []
        for field in viewset.list_export:
            if field in headings:
                header.append(str(headings[field]))
                continue
            try:
                header.append(str(capfirst(label_for_field(field, model))))
            except Exception:  # noqa: BLE001 - an attribute without a label: its name
                header.append(field)
        return header

    def cells(self, item) -> list:
        from wagtail.coreutils import multigetattr

        row = []
        for field in self.viewset.list_export:
            display = getattr(item, f"get_{field}_display", None)
            value = display() if callable(display) else multigetattr(item, field)
            row.append(_plain(value))
        return row


def _plain(value):
    """A cell value a spreadsheet shows as staff read it in the admin (local times)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _admin_viewsets():
    from django.urls import get_resolver
    from wagtail.admin.viewsets import viewsets

    # A worker process may not have loaded the URLs yet: the admin's URLs register the
    # viewsets of "register_admin_viewset" (wagtail.admin.wagtail_hooks). Snippets register
    # theirs at start-up, so a registry that is not empty may still be missing the rest.
    get_resolver().url_patterns  # noqa: B018 - loaded once per process, then cached
    return viewsets.viewsets


def table_sources() -> dict[str, TableSource]:
    from portal.viewsets import CommunityScopedViewSetMixin

    sources = {}
    for viewset in _admin_viewsets():
        if isinstance(viewset, CommunityScopedViewSetMixin) and getattr(
            viewset, "list_export", None
        ):
            source = TableSource(viewset)
            sources.setdefault(source.name, source)
    return sources


def table_source(name: str) -> TableSource | None:
    return table_sources().get(name)


# --- The request: asking for an export ----------------------------------------------------


def _scope_of(user) -> dict:
    if is_district_admin(user):
        return {"communities": None}
    return {"communities": sorted(staff_community_ids(user))}


@transaction.atomic
def export_job_request(*, user: User, source: str, fmt: str, query: str = "") -> ExportJob:
    """Queue the spreadsheet of a staff listing (`source`: a viewset's name) for `user`, with
    the list's filters (`query`). PermissionDenied for people who may not see it."""
    from portal.audit import audit_log
    from portal.tasks import run_export_job

    table = table_source(source)
    if table is None or fmt not in (ExportJob.Format.CSV, ExportJob.Format.XLSX):
        raise Http404
    if not table.allowed(user):
        raise PermissionDenied
    job = ExportJob.objects.create(
        requested_by=user,
        source=source,
        title=table.title,
        format=fmt,
        scope={**_scope_of(user), "query": query[:1000]},
    )
    audit_log(
        actor=user,
        action="portal.export",
        instance=job,
        data={"export": source, "format": fmt, "job": job.pk},
    )
    transaction.on_commit(partial(run_export_job.enqueue, job_id=job.pk))
    return job


@transaction.atomic
def personal_data_request(*, user: User) -> ExportJob:
    """Queue the person's data ZIP (PIPL Art. 45). A ZIP already queued or being written is
    returned instead of a second one."""
    from portal.tasks import run_export_job

    pending = (
        ExportJob.objects.select_for_update()
        .filter(
            requested_by=user,
            source=PERSONAL_DATA,
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
        )
        .first()
    )
    if pending is not None:
        return pending
    job = ExportJob.objects.create(
        requested_by=user,
        source=PERSONAL_DATA,
        title=_("本人数据副本"),
        format=ExportJob.Format.ZIP,
        scope={"user": user.pk},
    )
    transaction.on_commit(partial(run_export_job.enqueue, job_id=job.pk))
    return job


def export_job_for_download(*, user: User, job_id: int, personal: bool) -> ExportJob:
    """The job if `user` may see it, else 404 (ids cannot be probed): a data ZIP (`personal`)
    to its owner only; a staff export to the staff member who asked while they may still
    see that listing, or to a superuser."""
    job = ExportJob.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is None or (job.source == PERSONAL_DATA) != personal:
        raise Http404
    if personal:
        if job.requested_by_id != user.pk:
            raise Http404
        return job
    if user.is_superuser:
        return job
    table = table_source(job.source)
    if job.requested_by_id != user.pk or table is None or not table.allowed(user):
        raise Http404
    return job


def download_name(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    base = "my-data" if job.source == PERSONAL_DATA else job.source.replace("_", "-")
    return f"{base}-{stamp}.{job.format}"


def status_payload(job: ExportJob, *, download_url: str) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "error": job.error,
        "download_url": download_url if job.downloadable else "",
    }


# --- The task: writing the file -----------------------------------------------------------


def _claim(job_id: int) -> ExportJob | None:
    """Mark the job running for this run (attempt + 1) if it is queued, or running without
    progress for stale_after() (its worker died). None when another run has it or it is over."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .filter(pk=job_id)
            .filter(
                Q(status=ExportJob.Status.QUEUED)
                | Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=now - stale_after())
            )
            .first()
        )
        if job is None:
            return None
        job.status = ExportJob.Status.RUNNING
        job.attempt += 1
        job.heartbeat_at = now
        job.rows_done = 0
        job.save(update_fields=["status", "attempt", "heartbeat_at", "rows_done"])
    return job


def _mine(job: ExportJob):
    return ExportJob.objects.filter(pk=job.pk, attempt=job.attempt, status=ExportJob.Status.RUNNING)


def _progress(job: ExportJob, done: int, total: int | None = None) -> None:
    fields = {"rows_done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["rows_total"] = total
    _mine(job).update(**fields)


def _write_table(job: ExportJob, handle) -> None:
    table = table_source(job.source)
    if table is None:
        raise ValueError(f"Unknown export {job.source}")
    if not table.allowed(job.requested_by):
        raise PermissionDenied
    rows = table.queryset(job.requested_by, job.scope.get("query", ""))
    total = rows.count()
    _progress(job, 0, total)
    header = [safe_cell(cell) for cell in table.header()]
    # Only the cluster's check of a worker killed mid-job sets a delay (cluster/settings.py).
    row_delay = getattr(settings, "EXPORTS_ROW_DELAY", 0)
    beat_every = stale_after().total_seconds() / 3

    def lines():
        beaten = time.monotonic()
        for done, item in enumerate(rows.iterator(chunk_size=1000), start=1):
            yield [safe_cell(cell) for cell in table.cells(item)]
            if row_delay:
                time.sleep(row_delay)
            if done % PROGRESS_EVERY == 0 or time.monotonic() - beaten > beat_every:
                _progress(job, done)
                beaten = time.monotonic()

    if job.format == ExportJob.Format.XLSX:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for line in lines():
            sheet.append(line)
        workbook.save(handle)
    else:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow(header)
        for line in lines():
            writer.writerow(line)
        text.flush()
        text.detach()
    _progress(job, total)


def _write_personal_data(job: ExportJob, handle) -> None:
    from portal.services import account_data_archive

    archive = account_data_archive(
        user=job.requested_by, progress=lambda done, total: _progress(job, done, total)
    )
    handle.write(archive)


def run(job_id: int) -> str:
    """Write the job's file and mark it done (the task's body). Returns what happened."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    job = ExportJob.objects.select_related("requested_by").get(pk=job.pk)
    storage = export_storage()
    name = f"{job.pk}-{job.attempt}-{download_name(job)}"
    try:
        with tempfile.TemporaryFile() as handle:
            if job.source == PERSONAL_DATA:
                _write_personal_data(job, handle)
            else:
                _write_table(job, handle)
            size = handle.tell()
            handle.seek(0)
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(handle, name=name))
    except Exception as error:  # noqa: BLE001 - the job shows it failed; the worker goes on
        logger.exception("Export job %s failed", job.pk)
        _mine(job).update(
            status=ExportJob.Status.FAILED, error=str(error)[:300], finished_at=timezone.now()
        )
        return "failed"
    finished = _mine(job).update(
        status=ExportJob.Status.DONE,
        file_name=saved,
        file_size=size,
        finished_at=timezone.now(),
        expires_at=timezone.now() + EXPORT_KEPT_FOR,
    )
    if not finished:
        # Another run took the job over meanwhile and finishes it: this file is not needed.
        storage.delete(saved)
        return "superseded"
    return "done"


# --- Resuming ----------------------------------------------------------------------------


def exports_resume(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue the task again for every job a worker should be writing and is not: running
    without progress for stale_after() (its worker died mid-job: rq does not run that job
    again by itself), or still queued after that long (its task was lost, e.g. with Redis).
    The run that claims it starts over (attempt + 1) and is the only one that may finish it,
    so a job queued twice is still written once. Returns the ids of the jobs queued."""
    from portal.tasks import run_export_job

    now = now or timezone.now()
    cutoff = now - stale_after()
    job_ids = list(
        ExportJob.objects.filter(
            Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=cutoff)
            | Q(status=ExportJob.Status.QUEUED, created_at__lt=cutoff)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for job_id in job_ids:
        run_export_job.enqueue(job_id=job_id)
    return job_ids


# --- Purging ------------------------------------------------------------------------------


def exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete every expired job and its file; returns how many jobs went."""
    now = now or timezone.now()
    storage = export_storage()
    purged = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).only("pk", "file_name").iterator():
        if job.file_name:
            try:
                storage.delete(job.file_name)
            except OSError as error:
                logger.warning("Export %s: deleting %s failed: %s", job.pk, job.file_name, error)
        purged += ExportJob.objects.filter(pk=job.pk).delete()[0]
    return purged
