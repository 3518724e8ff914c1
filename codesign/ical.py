"""iCalendar (``.ics``) feeds of sessions, written with the ``icalendar`` library.

A feed is public, so it never carries an online meeting link: that stays on the session page, for the people
who have a seat.
"""

from icalendar import Calendar, Event, vGeo

from livinglab.site_url import absolute_url

from .models import Session

PRODID = "-//Living Lab//Co-design sessions//KO"


def session_event(session: Session) -> Event:
    event = Event()
    event.add("uid", f"codesign-session-{session.pk}@livinglab")
    event.add("summary", session.title)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("dtstamp", session.created_at)
    event.add("url", absolute_url(session.get_absolute_url()))
    if session.description:
        event.add("description", session.description)
    if session.is_online:
        event.add("location", absolute_url(session.get_absolute_url()))
    else:
        event.add("location", ", ".join(part for part in (session.place, session.address) if part))
        if session.has_map_point:
            event.add("geo", vGeo((float(session.latitude), float(session.longitude))))
    return event


def calendar_of(sessions, *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(session_event(session))
    return calendar.to_ical()
