"""A new case: validation, the number, the deadlines in working time, routing."""

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseCategory, CasePhoto, Priority, Source, State
from cases.permissions import COMMUNITY_STAFF, DISTRICT_ADMIN, GRID_LEADER
from cases.photos import MAX_PHOTOS
from cases.services.common import record, save_photos
from cases.services.limits import report_rate_slot
from cases.services.stats import stat_add
from cases.sla_table import sla_table
from cases.working_time import add_working_hours
from portal import page_cache
from portal.models import Grid, User
from portal.permissions import is_district_admin, staff_community_ids
from portal.text import normalize_newlines

MAX_DESCRIPTION = 1000


def _coordinate(value, low: int, high: int, message: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(message) from error
    if not number.is_finite() or not (low <= number <= high):
        raise ValidationError(message)
    return number


def _number_prefix(moment: datetime) -> str:
    return f"SB{timezone.localtime(moment):%Y%m%d}-"


# On PostgreSQL the primary key is the next value of its sequence and the number is made from
# the same value in the same INSERT (currval is this session's own last nextval, and the
# VALUES row is evaluated in column order, the primary key first): no round trip of its own,
# and no counter row shared by concurrent reports. The serial has at least 6 digits, like
# Python's f"{pk:06d}".
_SEQUENCE = "pg_get_serial_sequence('cases_case', 'id')"
_NEXT_PK = RawSQL(f"nextval({_SEQUENCE})", ())  # noqa: S611 (no input)
_SERIAL = f"lpad(currval({_SEQUENCE})::text, greatest(6, length(currval({_SEQUENCE})::text)), '0')"


def _number_sql(prefix: str) -> RawSQL:
    return RawSQL(f"%s || {_SERIAL}", (prefix,))  # noqa: S611 (the prefix is a parameter)


def _enqueue_notification(case_id: int, reporter_id: int) -> None:
    from cases.tasks import notify_new_case

    notify_new_case.enqueue(case_id, reporter_id)


def deadlines(
    *, category: CaseCategory, priority: str, start: datetime, calendar=None
) -> tuple[datetime, datetime]:
    """(response due, handling due) counted in working time from `start`, with the limits
    and the calendar from the cached SLA table (cases.sla_table)."""
    table = sla_table()
    response_hours, handling_hours = table.limits_for(category, priority)
    calendar = calendar or table.calendar()
    return (
        add_working_hours(start, response_hours, calendar),
        add_working_hours(start, handling_hours, calendar),
    )


def _clean_location(latitude, longitude, errors: dict) -> tuple[Decimal | None, Decimal | None]:
    try:
        lat = _coordinate(latitude, -90, 90, _("位置的纬度不正确，请重新获取位置。"))
        lon = _coordinate(longitude, -180, 180, _("位置的经度不正确，请重新获取位置。"))
        if (lat is None) != (lon is None):
            raise ValidationError(_("位置不完整，请重新获取位置或不附带位置提交。"))
    except ValidationError as error:
        errors["address"] = error.messages[0]
        return None, None
    return lat, lon


def _clean_report(
    *, category, grid, description, address, latitude, longitude, priority, photos
) -> dict:
    """The report's text, place and photos, stripped and checked; a ValidationError names
    every wrong field."""
    errors = {}
    description = normalize_newlines(description or "").strip()
    if not description:
        errors["description"] = _("请描述遇到的问题。")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("问题描述不能超过 %(max)s 个字。") % {"max": MAX_DESCRIPTION}
    if category is None or not category.is_active:
        errors["category"] = _("请选择一个问题类别。")
    if grid is None:
        errors["grid"] = _("请选择问题所在的网格。")
    if priority not in Priority.values:
        errors["priority"] = _("请选择紧急程度。")
    address = (address or "").strip()
    if len(address) > 200:
        errors["address"] = _("详细地址不能超过 200 个字。")
    latitude, longitude = _clean_location(latitude, longitude, errors)
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("最多上传 %(max)s 张照片。") % {"max": MAX_PHOTOS}
    if errors:
        raise ValidationError(errors)
    return {
        "description": description,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "photos": photos,
    }


def _check_source(*, by: User, grid: Grid, source: str) -> None:
    """A patrol report (网格巡查) comes from the grid's leader or staff of its community."""
    if source == Source.PATROL:
        if not (
            is_district_admin(by)
            or grid.community_id in staff_community_ids(by)
            or grid.leader_id == by.pk
        ):
            # A form error (the typed text stays), not a refusal page: the grid was chosen
            # in step 1 and may simply be the wrong one.
            raise ValidationError(
                {
                    "source": _(
                        "这个网格不在您负责的范围内，不能作为网格巡查上报。"
                        "请改选“我自己遇到的（居民上报）”，或回到上一步选择您负责的网格。"
                    )
                },
                code="patrol_out_of_scope",
            )
    elif source != Source.RESIDENT:
        raise ValidationError(_("上报来源不正确。"))


def _reporter_roles(*, by: User, grid: Grid, source: str) -> set[str]:
    """The roles the history names for the reporter."""
    roles = {GRID_LEADER} if source == Source.PATROL and grid.leader_id == by.pk else set()
    if source == Source.PATROL and not roles:
        roles = {
            COMMUNITY_STAFF if grid.community_id in staff_community_ids(by) else DISTRICT_ADMIN
        }
    return roles or {"reporter"}


def _insert_case(*, category: CaseCategory, grid: Grid, priority: str, now: datetime, **fields):
    """Saves the new case with its number and its deadlines in working time."""
    response_due, handling_due = deadlines(category=category, priority=priority, start=now)
    prefix = _number_prefix(now)
    postgresql = connection.vendor == "postgresql"
    community = grid.community
    case = Case(
        pk=_NEXT_PK if postgresql else None,
        # Elsewhere (SQLite serialises writers) the number is set after the insert.
        number=_number_sql(prefix) if postgresql else f"{prefix}{uuid.uuid4().hex[:12]}",
        category=category,
        priority=priority,
        grid=grid,
        community=community,
        street_id=community.street_id,
        state=State.SUBMITTED,
        response_due_at=response_due,
        handling_due_at=handling_due,
        created_at=now,
        **fields,
    )
    case.save(force_insert=True)
    case.number = f"{prefix}{case.pk:06d}"
    if not postgresql:
        Case.objects.filter(pk=case.pk).update(number=case.number)
    return case


@transaction.atomic
def case_report(
    *,
    by: User,
    category: CaseCategory,
    grid: Grid,
    description: str,
    address: str = "",
    latitude=None,
    longitude=None,
    contact_allowed: bool = False,
    priority: str = Priority.NORMAL,
    source: str = Source.RESIDENT,
    photos=(),
    now: datetime | None = None,
) -> Case:
    """A resident reports a problem (随手拍), or a grid member one found on patrol. The case
    goes to the grid's leader and the community's staff, with deadlines in working time."""
    if not by.is_authenticated or not by.is_active:
        raise PermissionDenied
    cleaned = _clean_report(
        category=category,
        grid=grid,
        description=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        priority=priority,
        photos=photos,
    )
    _check_source(by=by, grid=grid, source=source)
    photos = cleaned.pop("photos")
    # The case, its photos, its history row and its statistics each purge "cases": one
    # round trip to Redis for all of them.
    with page_cache.purges_gathered():
        case = _insert_case(
            category=category,
            grid=grid,
            priority=priority,
            now=now or timezone.now(),
            source=source,
            reporter=by,
            contact_allowed=bool(contact_allowed),
            **cleaned,
        )
        save_photos(case, photos=photos, kind=CasePhoto.Kind.REPORT, by=by)
        roles = _reporter_roles(by=by, grid=grid, source=source)
        record(case, action="report", by=by, roles=roles, note="")
        stat_add(case, reported=1)
    # The supervisors are told after the commit (a task), not inside the report's transaction.
    transaction.on_commit(partial(_enqueue_notification, case.pk, by.pk))
    return case


REPORT_FIELDS = ("category", "grid", "description", "address", "contact_allowed", "photos")


def case_report_within_limit(*, by: User, fields: dict) -> Case:
    """A report from the report form's fields (the site's and the app's), within the
    account's reports per window (cases.services.limits): refused with code "rate_limited"
    when they are used up, and not counted when the report itself is refused."""
    with report_rate_slot(by):
        return case_report(
            by=by,
            **{name: fields[name] for name in REPORT_FIELDS},
            latitude=fields["latitude"] or None,
            longitude=fields["longitude"] or None,
            source=fields.get("source") or Source.RESIDENT,
        )
