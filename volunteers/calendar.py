"""iCalendar files: one per sign-up and a private feed of a person's confirmed shifts."""

from django.utils import timezone
from icalendar import Calendar, Event


def calendar_for(signups, *, name: str, request=None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Shibei portal//volunteers//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", str(name))
    stamp = timezone.now()
    for signup in signups:
        shift = signup.shift
        event = Event()
        event.add("uid", f"shift-{shift.pk}-user-{signup.user_id}@shibei-portal")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", shift.title)
        event.add("location", shift.place)
        if shift.description:
            event.add("description", shift.description)
        if request is not None:
            event.add("url", request.build_absolute_uri(shift.get_absolute_url()))
        cal.add_component(event)
    return cal.to_ical()
