"""我的 — the resident's own account: profile (mobile masked as on the site), home grid,
notifications and their settings, data download, account deletion, and 我的设备 (logins).

The site's own forms validate the input (same rules, same sentences); the portal's services
do the writes."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.auth import AUTH
from api.pagination import PageParams, page_of, paginate
from api.params import ObjectId
from portal import notifications, selectors, services
from portal.middleware import current_privacy_version_cached
from portal.models import Grid, Notification

router = Router(tags=["我的"], auth=AUTH)


# --- Profile -----------------------------------------------------------------------------------


class PlaceOut(Schema):
    id: int
    name: str


class HomeGridOut(Schema):
    id: int
    name: str
    code: str
    community: PlaceOut
    street: PlaceOut


class ProfileOut(Schema):
    id: int
    email: str
    display_name: str
    mobile_masked: str = Field(..., description="手机号码，中间四位隐藏，如 139****1111")
    mobile_consent: bool
    home_grid: HomeGridOut | None
    home_grid_next_change_at: datetime.datetime | None = Field(
        None, description="下次可以自己修改所在网格的时间（null：现在就可以）"
    )
    privacy_consent_required: bool = Field(
        ..., description="隐私政策有新版本：请展示并调用 POST /me/privacy-consent"
    )


class ProfileIn(Schema):
    display_name: str | None = Field(None, max_length=200)
    mobile: str | None = Field(None, max_length=50, description="完整手机号码；不传则不变")
    mobile_consent: bool | None = None
    home_grid_id: int | None = Field(
        None, ge=0, le=2**62, description="所在网格；0 表示清除，不传则不变"
    )


def _profile(request, user) -> dict:
    grid = user.home_grid
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "mobile_masked": user.masked_mobile,
        "mobile_consent": user.mobile_consent_at is not None,
        "home_grid": {
            "id": grid.pk,
            "name": grid.name,
            "code": grid.code,
            "community": {"id": grid.community_id, "name": grid.community.name},
            "street": {"id": grid.community.street_id, "name": grid.community.street.name},
        }
        if grid
        else None,
        "home_grid_next_change_at": services.home_grid_next_change_at(user=user),
        "privacy_consent_required": user.privacy_consent_version
        != current_privacy_version_cached(request),
    }


@router.get("", response=ProfileOut, summary="我的资料")
def me_profile(request):
    return _profile(request, request.user)


@router.patch("", response=ProfileOut, summary="修改资料或所在网格")
def me_profile_update(request, payload: ProfileIn):
    """Fields left out keep their value. The site's profile form checks the input and the
    service saves it (a new home grid once in 30 days, the mobile number only with its
    consent)."""
    from django.core.exceptions import ValidationError

    from portal.forms import ProfileForm

    user = selectors.user_with_home(user_id=request.user.pk)
    data = {
        "display_name": payload.display_name
        if payload.display_name is not None
        else user.display_name,
        "mobile": payload.mobile if payload.mobile is not None else user.mobile,
    }
    consent = (
        payload.mobile_consent
        if payload.mobile_consent is not None
        else user.mobile_consent_at is not None
    )
    if consent:
        data["mobile_consent"] = "on"
    grid_id = payload.home_grid_id if payload.home_grid_id is not None else user.home_grid_id
    if grid_id:
        grid = Grid.objects.select_related("community").filter(pk=grid_id).first()
        data["grid"] = str(grid_id)
        if grid is not None:
            data["community"] = str(grid.community_id)
            data["street"] = str(grid.community.street_id)
    form = ProfileForm(data, instance=user)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    services.user_update_profile(
        user=user,
        display_name=form.cleaned_data["display_name"],
        mobile=form.cleaned_data["mobile"],
        mobile_consent=form.cleaned_data["mobile_consent"],
        home_grid=form.cleaned_data["grid"],
    )
    return _profile(request, selectors.user_with_home(user_id=user.pk))


@router.post("/privacy-consent", response=ProfileOut, summary="同意当前版本的隐私政策")
def me_privacy_consent(request):
    version = current_privacy_version_cached(request)
    services.user_accept_privacy_notice(user=request.user, version=version)
    return _profile(request, request.user)


# --- Notifications -----------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPageOut(page_of(NotificationOut)):
    unread: int = Field(..., description="未读消息数")


@router.get("/notifications", response=NotificationPageOut, summary="站内消息")
def me_notifications(request, page: Query[PageParams]):
    queryset = selectors.notifications_of(user=request.user).only(
        "pk", "kind", "subject", "body", "url", "created_at", "read_at"
    )
    result = paginate(queryset, page)
    result["unread"] = Notification.objects.filter(
        recipient=request.user, read_at__isnull=True
    ).count()
    return result


class MarkedOut(Schema):
    marked: int = Field(..., description="标为已读的条数")


@router.post("/notifications/read", response=MarkedOut, summary="全部标为已读")
def me_notifications_read_all(request):
    return {"marked": notifications.notification_mark_read(user=request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="标为已读")
def me_notification_read(request, notification_id: ObjectId):
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    notifications.notification_mark_read(user=request.user, notification_id=notification.pk)
    notification.refresh_from_db(fields=["read_at"])
    return notification


class PreferenceOut(Schema):
    kind: str
    label: str
    channel: str = Field(..., description="email：站内消息和邮件；site：仅站内消息；off：不接收")
    default: str


class PreferencesIn(Schema):
    channels: dict[str, str] = Field(..., description="类型 → email、site 或 off")


def _preferences(user) -> list[dict]:
    current = selectors.notification_channels(user=user)
    return [
        {
            "kind": kind.kind,
            "label": str(kind.label),
            "channel": current.get(kind.kind, kind.default),
            "default": kind.default,
        }
        for kind in notifications.notification_kinds().values()
    ]


@router.get("/notification-preferences", response=list[PreferenceOut], summary="消息设置")
def me_notification_preferences(request):
    return _preferences(request.user)


@router.put("/notification-preferences", response=list[PreferenceOut], summary="保存消息设置")
def me_notification_preferences_save(request, payload: PreferencesIn):
    """Kinds left out keep their setting; an unknown kind or channel is a field error."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from portal.forms import NotificationPreferencesForm

    kinds = list(notifications.notification_kinds().values())
    unknown = sorted(set(payload.channels) - set(notifications.notification_kinds()))
    if unknown:
        raise ValidationError({kind[:50]: _("没有这种消息类型。") for kind in unknown[:20]})
    current = selectors.notification_channels(user=request.user)
    data = {kind.kind: current.get(kind.kind, kind.default) for kind in kinds}
    data.update(payload.channels)
    form = NotificationPreferencesForm(data, kinds=kinds, current=current)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    notifications.notification_preferences_save(user=request.user, channels=form.cleaned_data)
    return _preferences(request.user)


# --- My data and account deletion -------------------------------------------------------------

# Keyed by the number, as ninja keys `response={200: None}`: a "200" string key was a second
# "200" in the served JSON, which Swagger UI at /api/v1/docs refused to render.
ZIP_RESPONSE = {
    200: {
        "description": "ZIP 压缩包：每类记录一个 JSON 文件（及 CSV），附 README.txt",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/data-export",
    response={200: None},
    summary="下载我的数据（ZIP）",
    openapi_extra={"responses": ZIP_RESPONSE},
)
def me_data_export(request):
    """The same archive as 下载我的数据 on the site (written to the audit log)."""
    archive = services.account_data_archive(user=request.user)
    response = HttpResponse(archive, content_type="application/zip")
    filename = f"my-data-{timezone.localdate():%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class DeleteIn(Schema):
    password: str = Field(..., max_length=4096)
    confirm: bool = Field(..., description="确认了解注销后无法恢复")


@router.post("/delete", response={204: None}, summary="注销账号")
def me_delete(request, payload: DeleteIn):
    """Needs the current password, like the site. The account's sessions and tokens end."""
    from django.core.exceptions import ValidationError

    from portal.forms import AccountDeleteForm

    form = AccountDeleteForm({"password": payload.password, "confirm": payload.confirm or ""})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    services.account_delete(user=request.user, password=form.cleaned_data["password"])
    _end_sessions(request.user)
    return Status(204, None)


# --- 我的设备: logins (browser sessions and app tokens) ------------------------------------------


class DeviceOut(Schema):
    id: int
    ip: str
    user_agent: str
    created_at: datetime.datetime = Field(..., description="登录时间")
    last_seen_at: datetime.datetime
    current: bool = Field(..., description="是否就是这次请求所用的登录")


def _live_sessions(user):
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    live = Session.objects.filter(
        session_key=OuterRef("session_key"), expire_date__gt=timezone.now()
    )
    return (
        UserSession.objects.filter(user=user).filter(Exists(live)).order_by("-last_seen_at", "-pk")
    )


def _end_sessions(user) -> None:
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()


@router.get("/devices", response=list[DeviceOut], summary="我的设备（登录列表）")
def me_devices(request):
    current = getattr(request, "api_session_key", None)
    return [
        {
            "id": s.pk,
            "ip": s.ip,
            "user_agent": s.user_agent,
            "created_at": s.created_at,
            "last_seen_at": s.last_seen_at,
            "current": s.session_key == current,
        }
        for s in _live_sessions(request.user)[:100]
    ]


@router.delete("/devices/{device_id}", response={204: None}, summary="退出某台设备")
def me_device_end(request, device_id: ObjectId):
    """Ends that login: its session token stops working at once."""
    session = get_object_or_404(_live_sessions(request.user), pk=device_id)
    session.end()
    return Status(204, None)
