"""The export jobs' pages: in the Wagtail admin (ask for a staff listing's spreadsheet, follow
its progress, download it) and in the account area (the personal data ZIP). Every status and
download view goes through export_jobs.export_job_for_download: 404 for anyone else."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import export_jobs
from portal.models import ExportJob
from portal.permissions import is_district_admin, staff_community_ids
from portal.storage import private_file_response

JOBS_LISTED = 50


def _admin_status_url(job):
    return reverse("portal_export_status", args=[job.pk])


def _admin_download_url(job):
    return reverse("portal_export_download", args=[job.pk])


def export_new(request: HttpRequest) -> HttpResponse:
    """GET: what the export will hold, with a button; POST: queue it and show its progress."""
    data = request.POST if request.method == "POST" else request.GET
    source = export_jobs.table_source(data.get("source", ""))
    fmt = data.get("format", "")
    if source is None or fmt not in (ExportJob.Format.CSV, ExportJob.Format.XLSX):
        raise Http404
    if not source.allowed(request.user):
        raise PermissionDenied
    query = data.get("query", "")
    if request.method == "POST":
        job = export_jobs.export_job_request(
            user=request.user, source=source.name, fmt=fmt, query=query
        )
        messages.success(request, _("导出任务已创建，生成后可在本页下载，文件保留一天。"))
        return redirect("portal_export_job", job_id=job.pk)
    scope = export_jobs._scope_of(request.user)["communities"]
    return TemplateResponse(
        request,
        "portal/admin/export_new.html",
        {
            "source": source,
            "format": fmt,
            "query": query,
            "filtered": bool(query),
            "whole_district": scope is None,
            "page_title": _("导出%(title)s") % {"title": source.title},
        },
    )


def export_job_list(request: HttpRequest) -> HttpResponse:
    """The person's own export jobs of the last day (staff and district administrators)."""
    if not (is_district_admin(request.user) or staff_community_ids(request.user)):
        raise PermissionDenied
    jobs = ExportJob.objects.filter(requested_by=request.user).exclude(
        source=export_jobs.PERSONAL_DATA
    )[:JOBS_LISTED]
    return TemplateResponse(
        request, "portal/admin/export_jobs.html", {"jobs": jobs, "page_title": _("导出任务")}
    )


def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = export_jobs.export_job_for_download(user=request.user, job_id=job_id, personal=False)
    return TemplateResponse(
        request,
        "portal/admin/export_job.html",
        {
            "job": job,
            "status_url": _admin_status_url(job),
            "download_url": _admin_download_url(job),
            "page_title": job.title,
        },
    )


@never_cache
@require_GET
def export_job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = export_jobs.export_job_for_download(user=request.user, job_id=job_id, personal=False)
    return JsonResponse(export_jobs.status_payload(job, download_url=_admin_download_url(job)))


def _file_response(job: ExportJob) -> HttpResponse:
    """The file, streamed, or a redirect to a short-lived signed URL in object storage."""
    if not job.downloadable:
        raise Http404
    try:
        return private_file_response(
            export_jobs.export_storage(), job.file_name, filename=export_jobs.download_name(job)
        )
    except FileNotFoundError as error:
        raise Http404 from error


@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = export_jobs.export_job_for_download(user=request.user, job_id=job_id, personal=False)
    return _file_response(job)


# --- The account area: 下载我的数据 --------------------------------------------------------


@never_cache
@login_required
@require_GET
def data_download_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = export_jobs.export_job_for_download(user=request.user, job_id=job_id, personal=True)
    return JsonResponse(
        export_jobs.status_payload(job, download_url=reverse("data_download_file", args=[job.pk]))
    )


@login_required
@require_GET
def data_download_file(request: HttpRequest, job_id: int) -> HttpResponse:
    job = export_jobs.export_job_for_download(user=request.user, job_id=job_id, personal=True)
    return _file_response(job)


def latest_personal_data_job(user) -> ExportJob | None:
    return (
        ExportJob.objects.filter(requested_by=user, source=export_jobs.PERSONAL_DATA)
        .order_by("-created_at", "-pk")
        .first()
    )


# Under /me/data/ (portal/urls.py): the ZIP's progress and its file.
account_urlpatterns = [
    path("<id:job_id>/status/", data_download_status, name="data_download_status"),
    path("<id:job_id>/file/", data_download_file, name="data_download_file"),
]

# Under /admin/ (portal/wagtail_hooks.py).
admin_urlpatterns = [
    path("exports/", export_job_list, name="portal_export_jobs"),
    path("exports/new/", export_new, name="portal_export_new"),
    path("exports/<id:job_id>/", export_job, name="portal_export_job"),
    path("exports/<id:job_id>/status/", export_job_status, name="portal_export_status"),
    path("exports/<id:job_id>/download/", export_job_download, name="portal_export_download"),
]
