"""What the volunteers app holds about a person, for the data download and account deletion
(the personal-data hooks of portal.personal_data)."""

from django.utils import timezone

from volunteers.models import Certificate, RosterMembership, ServiceRecord, SignUp
from volunteers.services import volunteer_erase


def export_volunteering(user) -> list[dict]:
    rows = []
    for m in RosterMembership.objects.filter(user=user).select_related("grid__community__street"):
        rows.append(
            {
                "type": "roster_membership",
                "grid": m.grid.full_name,
                "role": m.get_role_display(),
                "status": m.get_status_display(),
                "skills": ", ".join(m.skills.names()),
                "availability": m.availability,
                "applied_at": timezone.localtime(m.created_at).isoformat(),
            }
        )
    for s in SignUp.objects.filter(user=user).select_related("shift"):
        rows.append(
            {
                "type": "signup",
                "shift": s.shift.title,
                "starts_at": timezone.localtime(s.shift.starts_at).isoformat(),
                "place": s.shift.place,
                "status": s.get_status_display(),
                "checked_in_at": timezone.localtime(s.checked_in_at).isoformat()
                if s.checked_in_at
                else "",
            }
        )
    for r in ServiceRecord.objects.filter(user=user):
        rows.append(
            {
                "type": "service_record",
                "item": r.item,
                "served_on": r.served_on.isoformat(),
                "hours": str(r.hours),
                "issuer": r.issuer,
            }
        )
    for c in Certificate.objects.filter(user=user):
        rows.append(
            {
                "type": "certificate",
                "number": c.number,
                "total_hours": str(c.total_hours),
                "issued_at": timezone.localtime(c.issued_at).isoformat(),
            }
        )
    return rows


def erase_volunteering(user) -> None:
    volunteer_erase(user=user)


def personal_data_export(user) -> dict[str, list[dict]]:
    return {"volunteering": export_volunteering(user)}


def personal_data_erase(user) -> None:
    erase_volunteering(user)
