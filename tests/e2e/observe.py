"""What the servers say: summaries of the four systems' /_sim/state for assertions and
the demo report, and a fingerprint that changes on any write (Odoo write_date, CalDAV
sync tokens, the Matrix event stream, Mobilizon updated_at), so "the second pass wrote
nothing" is checked on the servers and not only taken from coopsync's own count.
"""
import hashlib
import json

from seed import MEMBER_TAG_ID


def _m2m_ids(value):
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def odoo_summary(st):
    partners = [p for p in st.get("res.partner", []) if p.get("active", True)
                and MEMBER_TAG_ID in _m2m_ids(p.get("category_id"))]
    cats = {c["id"]: c["name"] for c in st.get("res.partner.category", [])}
    return {
        "members": {p["id"]: {"name": p.get("name"), "email": p.get("email") or None,
                              "phone": p.get("phone") or None,
                              "tags": sorted(cats.get(i, str(i)) for i in _m2m_ids(p.get("category_id")))}
                    for p in partners},
        "events": {e["id"]: {"name": e.get("name"), "date_begin": e.get("date_begin"),
                             "seats_max": e.get("seats_max")}
                   for e in st.get("event.event", [])},
        "registrations": [r for r in st.get("event.registration", [])],
    }


def nextcloud_summary(st, acting="admin"):
    users = {uid: u for uid, u in st.get("users", {}).items() if uid != acting}
    groups = {gid: g for gid, g in st.get("groups", {}).items() if gid != "admin"}
    calendars = {}
    for owner, cals in st.get("calendars", {}).items():
        for name, cal in cals.items():
            if name != "personal":
                calendars["%s/%s" % (owner, name)] = len(cal.get("objects", []))
    return {"users": users, "groups": groups, "shares": st.get("shares", []),
            "calendars": calendars}


def matrix_summary(st, bot):
    users = {uid: u for uid, u in st.get("users", {}).items() if uid != bot}
    rooms = {}
    for rid, r in st.get("rooms", {}).items():
        rooms[rid] = {"name": r.get("name"), "type": r.get("type"), "aliases": r.get("aliases", []),
                      "members": {u: m for u, m in r.get("members", {}).items() if u != bot},
                      "messages": len(r.get("messages", []))}
    return {"users": users, "rooms": rooms}


def mobilizon_summary(st, bridge_actor="9"):
    actors = {a["id"]: a for a in st.get("actors", [])}
    groups = {a["id"]: a["preferred_username"] for a in actors.values() if a.get("type") == "GROUP"}
    members = [m for m in st.get("members", []) if m.get("actor_id") != bridge_actor]
    parts = [p for p in st.get("participants", []) if p.get("role") != "CREATOR"]
    return {"groups": groups, "members": members, "events": st.get("events", []),
            "participants": parts}


def summaries(coop):
    bot = "@coop_bridge:" + coop.seed["matrix"]["server_name"]
    return {"odoo": odoo_summary(coop.state("odoo")),
            "nextcloud": nextcloud_summary(coop.state("nextcloud")),
            "matrix": matrix_summary(coop.state("matrix"), bot),
            "mobilizon": mobilizon_summary(coop.state("mobilizon"))}


def _digest(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def fingerprints(coop):
    """Per system, a digest of everything a write would change (volatile keys left out:
    login tokens, last_login, request counters)."""
    out = {}
    st = coop.state("odoo")
    out["odoo"] = _digest({k: v for k, v in st.items() if k not in ("res.users",)})
    st = coop.state("nextcloud")
    for u in st.get("users", {}).values():
        u.pop("last_login", None)
    st.pop("failed_logins", None)
    out["nextcloud"] = _digest(st)
    st = coop.state("matrix")
    out["matrix"] = _digest({k: st.get(k) for k in ("rooms", "aliases", "users", "stream")})
    st = coop.state("mobilizon")
    out["mobilizon"] = _digest({k: st.get(k) for k in ("actors", "members", "addresses", "events",
                                                       "participants", "activities")})
    return out


def changed_systems(before, after):
    return sorted(name for name in before if before[name] != after.get(name))
