"""我的待办 — the staff workspace in the Wagtail admin: the inbox with filters and bulk
accept / dispatch, and a case page with its timeline and the actions its state allows.

Every view starts from the same scoped queryset (cases.permissions.cases_for_staff via
cases.selectors.inbox_cases): a case outside the person's communities, grids and departments
is a 404 on every URL, the photo URL included. Every action calls its service.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import forms, services
from cases.models import Case, CaseExtension, CasePhoto
from cases.permissions import case_roles, cases_for_staff, is_case_staff
from cases.selectors import case_for_staff_detail, inbox_cases
from cases.transitions import TRANSITIONS, allowed_actions
from portal.filters import parse_id
from portal.forms import add_service_errors
from portal.permissions import can_see_full_mobile
from portal.storage import private_file_response

PAGE_SIZE = 50
BULK_MAX = 200
# Counting a million rows costs more than the page itself: the inbox counts at most this many
# and asks for a narrower filter beyond.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def _require_staff(request):
    if not is_case_staff(request.user):
        raise PermissionDenied


def _get_case(request, pk: int) -> Case:
    try:
        return case_for_staff_detail(request.user, pk)
    except Case.DoesNotExist as error:
        raise Http404 from error


def inbox(request):
    _require_staff(request)
    queryset = inbox_cases(request.user)
    filterset = forms.InboxFilterSet(request.GET or None, queryset=queryset, user=request.user)
    cases = filterset.qs.order_by("-created_at", "-id") if filterset.is_valid() else queryset.none()
    page_obj = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/admin/inbox.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "bulk_form": forms.BulkForm(),
            "query": request.GET.urlencode(),
        },
    )


@require_POST
def bulk(request):
    """Accept, or dispatch, the ticked cases; each one through its service, each result told."""
    _require_staff(request)
    form = forms.BulkForm(request.POST)
    # Ids outside the database's range, or not numbers at all, are refused before any
    # query (a message, never a 500); at most one page of the inbox at a time.
    ids = [parse_id(value) for value in request.POST.getlist("cases")[:BULK_MAX]]
    if not ids:
        messages.error(request, _("请先勾选要处理的诉求。"))
        return redirect(_back(request))
    if None in ids:  # not a form this page sent
        messages.error(request, _("勾选的诉求编号无效，请刷新页面后重新勾选。"))
        return redirect(_back(request))
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        for error in errors or [_("请选择批量操作。")]:
            messages.error(request, error)
        return redirect(_back(request))
    operation = form.cleaned_data["operation"]
    done, failed = 0, []
    cases = list(inbox_cases(request.user).filter(pk__in=ids))
    if not cases:
        messages.error(request, _("勾选的诉求已不在您的待办范围内，请刷新后重试。"))
        return redirect(_back(request))
    for case in cases:
        try:
            if operation == form.ACCEPT:
                services.case_accept(case=case, by=request.user)
            else:
                department = (
                    form.cleaned_data["department"]
                    if operation == form.DISPATCH_DEPARTMENT
                    else case.category.department
                )
                if department is None:
                    raise ValidationError(_("这个类别没有设置处置部门，请逐件派遣。"))
                services.case_dispatch(case=case, by=request.user, department=department)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            reason = error.messages[0] if isinstance(error, ValidationError) else _("无权操作")
            failed.append(f"{case.number}：{reason}")
    if done:
        messages.success(request, _("已处理 %(count)s 件诉求。") % {"count": done})
    for line in failed:
        messages.warning(request, line)
    return redirect(_back(request))


def _back(request) -> str:
    query = request.POST.get("next_query", "")
    return reverse("cases_admin_inbox") + (f"?{query}" if query else "")


def _action_forms(case: Case) -> dict:
    return {
        "accept": forms.NoteForm(prefix="accept"),
        "reject": forms.RejectForm(prefix="reject"),
        "dispatch": forms.DispatchForm(prefix="dispatch", case=case),
        "start": forms.NoteForm(prefix="start"),
        "handle": forms.HandleForm(prefix="handle"),
        "verify": forms.VerifyForm(prefix="verify"),
        "close": forms.NoteForm(prefix="close"),
        "request_extension": forms.ExtensionRequestForm(prefix="request_extension"),
        "add_note": forms.TextForm(prefix="add_note"),
        "add_update": forms.TextForm(prefix="add_update"),
    }


FORM_CLASSES = {
    "accept": forms.NoteForm,
    "reject": forms.RejectForm,
    "dispatch": forms.DispatchForm,
    "start": forms.NoteForm,
    "handle": forms.HandleForm,
    "verify": forms.VerifyForm,
    "close": forms.NoteForm,
    "request_extension": forms.ExtensionRequestForm,
    "decide_extension": forms.ExtensionDecideForm,
    "add_note": forms.TextForm,
    "add_update": forms.TextForm,
    "photo_public": forms.PhotoPublicForm,
}


def detail(request, pk: int, bound_action: str | None = None, bound_form=None):
    _require_staff(request)
    case = _get_case(request, pk)
    roles = case_roles(request.user, case)
    actions = [a for a in allowed_actions(state=case.state, roles=roles) if a != "rate"]
    action_forms = _action_forms(case)
    action_errors = []
    if bound_action:
        action_forms[bound_action] = bound_form
        if bound_action not in actions:
            # The case moved on (someone else acted first): say why here.
            action_errors = [e for errors in bound_form.errors.values() for e in errors]
    pending = [e for e in case.extensions.all() if e.status == CaseExtension.Status.PENDING]
    reporter = case.reporter
    return render(
        request,
        "cases/admin/case_detail.html",
        {
            "case": case,
            "roles": roles,
            "action_errors": action_errors,
            "actions": [
                {"name": a, "label": TRANSITIONS[a].label, "form": action_forms[a]}
                for a in actions
                if a in action_forms
            ],
            "can_decide": "decide_extension" in actions,
            "pending_extensions": pending,
            "decide_form": forms.ExtensionDecideForm(prefix="decide_extension"),
            "can_publish_photos": bool(roles & {"community_staff", "district_admin"}),
            "events": _timeline(case),
            "photos": case.photos.all(),
            "reporter_contact": _reporter_contact(request.user, case, reporter),
        },
        status=400 if bound_form is not None else 200,
    )


def _timeline(case: Case) -> list:
    """The case's history for staff, each entry with the name to show for who acted: the
    reporter's name only when they allowed contact (otherwise only their role shows)."""
    events = list(case.events.all())
    for event in events:
        if event.actor_id is None:
            # No account: the system, or a reporter whose account is gone (or who reported
            # by other means), whose report and rating still carry their role.
            event.shown_actor = _("居民") if event.action in ("report", "rate") else _("系统")
        elif event.actor_id == case.reporter_id and not case.contact_allowed:
            event.shown_actor = _("居民")
        else:
            event.shown_actor = event.actor.get_display_name()
    return events


def _reporter_contact(viewer, case: Case, reporter) -> dict | None:
    """The reporter's name and phone, only when they allowed contact (masked unless the viewer
    may see the full number)."""
    if reporter is None or not case.contact_allowed:
        return None
    mobile = reporter.mobile if can_see_full_mobile(viewer, reporter) else reporter.masked_mobile
    return {"name": reporter.get_display_name(), "mobile": mobile, "email": reporter.email}


@require_POST
def action(request, pk: int, name: str):
    _require_staff(request)
    if name not in FORM_CLASSES:
        raise Http404
    case = _get_case(request, pk)
    form_kwargs = {"case": case} if name == "dispatch" else {}
    form = FORM_CLASSES[name](request.POST, request.FILES, prefix=name, **form_kwargs)
    if not form.is_valid():
        return detail(request, pk, bound_action=name, bound_form=form)
    try:
        message = _run(name, case=case, by=request.user, data=form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return detail(request, pk, bound_action=name, bound_form=form)
    messages.success(request, message)
    return redirect("cases_admin_detail", pk=case.pk)


def _found(queryset, message: str):
    """The one row of a case's own rows that a form names by id, or the error the form shows."""
    row = queryset.first()
    if row is None:
        raise ValidationError(message)
    return row


def _duplicate_of(number: str, *, by) -> Case | None:
    """The original case a rejected one repeats, among the cases the person may see."""
    if not number:
        return None
    original = cases_for_staff(by).filter(number=number.strip()).first()
    if original is None:
        raise ValidationError({"duplicate_of": _("找不到这个编号的诉求。")})
    return original


def _run(name: str, *, case: Case, by, data: dict) -> str:
    note = data.get("note", "")
    if name == "accept":
        services.case_accept(case=case, by=by, note=note)
    elif name == "reject":
        original = _duplicate_of(data["duplicate_of"], by=by)
        services.case_reject(case=case, by=by, reason=data["reason"], duplicate_of=original)
    elif name == "dispatch":
        services.case_dispatch(
            case=case, by=by, department=data["department"], assignee=data["assignee"], note=note
        )
    elif name == "start":
        services.case_start(case=case, by=by, note=note)
    elif name == "handle":
        services.case_handle(case=case, by=by, result=data["result"], photos=data["photos"])
    elif name == "verify":
        outcome = data["outcome"]
        services.case_verify(
            case=case,
            by=by,
            passed=outcome != forms.VerifyForm.FAIL,
            close=outcome == forms.VerifyForm.PASS_CLOSE,
            note=note,
        )
    elif name == "close":
        services.case_close(case=case, by=by, note=note)
    elif name == "request_extension":
        services.case_request_extension(
            case=case, by=by, kind=data["kind"], reason=data["reason"], hours=data["hours"]
        )
    elif name == "decide_extension":
        extension = _found(case.extensions.filter(pk=data["extension"]), _("找不到这份申请。"))
        services.case_decide_extension(
            extension=extension, by=by, approve=data["approve"], note=note
        )
    elif name == "add_note":
        services.case_add_note(case=case, by=by, text=data["text"])
    elif name == "add_update":
        services.case_add_update(case=case, by=by, text=data["text"])
    elif name == "photo_public":
        photo = _found(case.photos.filter(pk=data["photo"]), _("找不到这张照片。"))
        services.case_photo_set_public(photo=photo, by=by, public=data["public"])
    return _("已保存。")


def photo(request, pk: int, photo_id: int):
    """A private photo, streamed (or redirected to a short-lived signed URL in object
    storage) after the same scope check as the case page."""
    _require_staff(request)
    if not cases_for_staff(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        item = CasePhoto.objects.get(pk=photo_id, case_id=pk)
    except CasePhoto.DoesNotExist as error:
        raise Http404 from error
    try:
        return private_file_response(
            item.image.storage,
            item.image.name,
            content_type="image/jpeg",
            cache_control="private, max-age=3600",
        )
    except FileNotFoundError as error:
        raise Http404 from error
