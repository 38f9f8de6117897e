"""What every case service does: lock the row, check the actor against the transition table,
write the history row, and tell the people concerned."""

from django.db.models import Q, QuerySet
from django.urls import reverse

from cases.models import Case, CaseEvent, CasePhoto
from cases.permissions import ROLE_LABELS, case_roles
from cases.photos import clean_photo
from cases.transitions import TRANSITIONS, check_transition
from portal.models import Grid, User
from portal.notifications import notify_many
from portal.permissions import COMMUNITY_STAFF

# The order in which a person's roles name them in the history (most specific first).
_ROLE_ORDER = ["handler", "grid_leader", "community_staff", "district_admin", "reporter"]


def lock_case(case: Case) -> Case:
    """The case re-read under a row lock (select_for_update), so that two people acting at
    once are served one after the other and the second sees the first one's change."""
    return Case.objects.select_for_update().get(pk=case.pk)


def authorize(action: str, *, case: Case, by: User, target: str | None = None) -> set[str]:
    roles = case_roles(by, case)
    check_transition(action, state=case.state, roles=roles, target=target)
    return roles


def role_label(roles: set[str], allowed: frozenset[str] | None = None) -> str:
    """The label of the first of `roles` (most specific first) among `allowed`, the roles the
    action was taken under; any of `roles` when none of them is among `allowed`."""
    for candidates in (allowed, None):
        for role in _ROLE_ORDER:
            if role in roles and (candidates is None or role in candidates):
                return str(ROLE_LABELS[role])
    return ""


# History actions that are not transitions of their own, and the transition whose roles apply.
_ACTION_ALIASES = {"note": "add_note", "update": "add_update"}


def _acting_roles(action: str) -> frozenset[str] | None:
    """The roles under which a person may take `action`: the history names the actor by the
    one they acted as (a district admin who also handled the case verifies as 区级管理员,
    not as 处置人员)."""
    transition = TRANSITIONS.get(_ACTION_ALIASES.get(action, action))
    return transition.roles if transition is not None else None


def record(
    case: Case,
    *,
    action: str,
    by: User | None,
    roles: set[str] | None = None,
    from_state: str = "",
    note: str = "",
    public: bool = True,
) -> CaseEvent:
    """One history row. Every transition writes one: the services call this after saving."""
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor=by,
        actor_role=role_label(roles or set(), _acting_roles(action)),
        note=note,
        is_public=public,
    )


def save_photos(case: Case, *, photos, kind: str, by: User | None) -> list[CasePhoto]:
    saved = []
    for uploaded in photos or []:
        photo = CasePhoto(case=case, kind=kind, uploaded_by=by)
        photo.image.save("photo.jpg", clean_photo(uploaded), save=False)
        photo.save()
        saved.append(photo)
    return saved


def _staff_of_communities(communities) -> QuerySet:
    """Ids of community staff responsible for `communities` (a filter on the community link),
    as a subquery: two indexed semi-joins (the staff link table by community, the group
    table by user) instead of a DISTINCT over a join of users, groups and communities."""
    return User.staff_communities.through.objects.filter(
        **communities,
        user__groups__name=COMMUNITY_STAFF,
    ).values("user_id")


def community_staff_of(case: Case):
    return User.objects.filter(
        is_active=True, pk__in=_staff_of_communities({"community_id": case.community_id})
    )


def street_staff_of(case: Case):
    return User.objects.filter(
        is_active=True,
        pk__in=_staff_of_communities({"community__street_id": case.street_id}),
    )


def department_members(group_id: int):
    return User.objects.filter(is_active=True, groups=group_id)


def handlers_of(case: Case):
    """The people who should act on a dispatched case: the assignee, or the department."""
    if case.assignee_id:
        return User.objects.filter(pk=case.assignee_id, is_active=True)
    if case.assigned_department_id:
        return department_members(case.assigned_department_id)
    return User.objects.none()


def supervisors_of(case: Case):
    """The grid's leader and the community's staff: who receives a new case. One query: by
    primary key in the UNION of the staff list and the leader (an OR of the two would scan
    the users table)."""
    leader = Grid.objects.filter(pk=case.grid_id, leader__isnull=False).order_by()
    return User.objects.filter(
        is_active=True,
        pk__in=_staff_of_communities({"community_id": case.community_id}).union(
            leader.values("leader_id")
        ),
    )


def notify_all(people, *, kind: str, subject: str, body: str = "", url: str = "", skip=None):
    """One message to each of `people` (users, or a QuerySet of them) but `skip`, in one
    batch (notify_many): the same number of queries for two recipients as for a whole
    department. Returns the notifications stored."""
    skip_id = getattr(skip, "pk", None)
    if isinstance(people, QuerySet):
        recipients = people.exclude(pk=skip_id) if skip_id else people
    else:
        recipients = [person for person in people if person.pk != skip_id]
    return notify_many(
        recipients=recipients,
        kind=kind,
        subject=subject,
        body=body,
        url=url,
    )


def notify_public(case: Case, *, subject: str, body: str = "", skip: User | None = None) -> None:
    """Tell the reporter and the followers about a public change of their case."""
    people = list(
        User.objects.filter(
            Q(pk=case.reporter_id) | Q(followed_cases__case=case), is_active=True
        ).distinct()
    )
    notify_all(
        people,
        kind="case_update",
        subject=subject,
        body=body,
        url=case.get_absolute_url(),
        skip=skip,
    )


def staff_url(case: Case) -> str:
    return reverse("cases_admin_detail", args=[case.pk])
