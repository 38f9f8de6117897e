"""Notes, public updates and followers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, CaseFollower, CasePhoto, State
from cases.permissions import COMMUNITY_STAFF, DISTRICT_ADMIN
from cases.services.common import authorize, lock_case, notify_public, record
from portal.models import User

MAX_NOTE = 1000


def _text(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("请填写内容。")})
    if len(text) > MAX_NOTE:
        raise ValidationError({field: _("内容不能超过 %(max)s 个字。") % {"max": MAX_NOTE}})
    return text


@transaction.atomic
def case_add_note(*, case: Case, by: User, text: str) -> CaseEvent:
    """An internal note (内部备注): staff and handlers see it; the public and the reporter
    do not."""
    case = lock_case(case)
    roles = authorize("add_note", case=case, by=by)
    text = _text(text, "text")
    return record(
        case, action="note", by=by, roles=roles, from_state=case.state, note=text, public=False
    )


@transaction.atomic
def case_add_update(*, case: Case, by: User, text: str) -> CaseEvent:
    """A public update (进展): shown on the case page and sent to the reporter and followers."""
    case = lock_case(case)
    roles = authorize("add_update", case=case, by=by)
    text = _text(text, "text")
    event = record(case, action="update", by=by, roles=roles, from_state=case.state, note=text)
    notify_public(
        case, subject=_("诉求 %(number)s 有新进展") % {"number": case.number}, body=text, skip=by
    )
    return event


def case_follow(*, case: Case, by: User) -> CaseFollower:
    """我也遇到: follow an open case instead of reporting the same problem again."""
    if not by.is_authenticated or not by.is_active:
        raise PermissionDenied
    if case.state == State.REJECTED:
        raise ValidationError(_("这件诉求未被受理，不能关注。"))
    if case.state == State.CLOSED:
        raise ValidationError(_("这件诉求已经办结，不能再关注；如果问题仍然存在，请重新上报。"))
    if case.reporter_id == by.pk:
        raise ValidationError(_("这是您自己上报的诉求，进展会自动通知您。"))
    try:
        with transaction.atomic():
            follower, _created = CaseFollower.objects.get_or_create(case=case, user=by)
    except IntegrityError:
        follower = CaseFollower.objects.get(case=case, user=by)
    return follower


def case_unfollow(*, case: Case, by: User) -> None:
    if not by.is_authenticated:
        raise PermissionDenied
    CaseFollower.objects.filter(case=case, user=by).delete()


@transaction.atomic
def case_photo_set_public(*, photo: CasePhoto, by: User, public: bool) -> CasePhoto:
    """Staff decide that a photo shows nothing personal and may appear on the public page
    (or take that back)."""
    case = lock_case(photo.case)
    roles = authorize("add_update", case=case, by=by)
    if not roles & {COMMUNITY_STAFF, DISTRICT_ADMIN}:
        raise PermissionDenied
    photo = CasePhoto.objects.select_for_update().get(pk=photo.pk, case=case)
    if photo.is_public != public:
        photo.is_public = public
        photo.save(update_fields=["is_public"])
        record(
            case,
            action="photo_public" if public else "photo_private",
            by=by,
            roles=roles,
            from_state=case.state,
            note=_("公开了一张照片") if public else _("撤回了一张照片的公开"),
            public=False,
        )
    return photo
