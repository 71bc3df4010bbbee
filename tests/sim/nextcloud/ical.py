"""Just enough iCalendar reading for the simulator: the UID and the time span of the first
VEVENT (for calendar-query time-range filters). Not a validator."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def unfold(text):
    return text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")


def first_event(data):
    """{NAME: (params dict, value)} of the first VEVENT, or None when there is none."""
    text = unfold(data.decode("utf-8", "replace"))
    props = None
    depth = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("BEGIN:"):
            if line == "BEGIN:VEVENT" and props is None:
                props = {}
                depth = 1
            elif props is not None and depth:
                depth += 1
            continue
        if line.startswith("END:"):
            if props is not None and depth:
                depth -= 1
                if depth == 0:
                    return props
            continue
        if props is None or depth != 1 or ":" not in line:
            continue
        head, value = line.split(":", 1)
        parts = head.split(";")
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        props.setdefault(parts[0].upper(), (params, value))
    return None


def valid_calendar(data):
    text = data.decode("utf-8", "replace").strip()
    return text.startswith("BEGIN:VCALENDAR") and text.endswith("END:VCALENDAR")


def _instant(params, value):
    value = value.strip()
    if params.get("VALUE") == "DATE" or len(value) == 8:
        return datetime.strptime(value[:8], "%Y%m%d").replace(tzinfo=timezone.utc), True
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc), False
    local = datetime.strptime(value, "%Y%m%dT%H%M%S")
    try:
        zone = ZoneInfo(params.get("TZID", "UTC"))
    except Exception:
        zone = timezone.utc
    return local.replace(tzinfo=zone).astimezone(timezone.utc), False


def span(props):
    """(start, end) UTC datetimes of an event, or None."""
    if not props or "DTSTART" not in props:
        return None
    try:
        start, is_date = _instant(*props["DTSTART"])
        if "DTEND" in props:
            end, _ = _instant(*props["DTEND"])
        else:
            end = start + (timedelta(days=1) if is_date else timedelta(0))
    except ValueError:
        return None
    return start, end


def parse_utc(value):
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
