"""/sync as Synapse 1.67 answers it (fixtures 45-49): filters, `since` tokens, long-poll.

A token is `s<stream>_0_0_1_1_1_1_6_0`: the first number is the global event stream
position; the rest is padding shaped like Synapse's multi-stream token. Sections appear
only when non-empty; an incremental sync with nothing new holds only next_batch and the
device key fields (fixture 48).
"""
import re
import time

from hs_model import MatrixError

TOKEN_RE = re.compile(r"^s(\d+)_\d+_\d+_\d+_\d+_\d+_\d+_\d+_\d+$")


def make_token(pos):
    return "s%d_0_0_1_1_1_1_6_0" % pos


def parse_token(token):
    m = TOKEN_RE.match(token or "")
    if not m:
        raise MatrixError(400, "M_UNKNOWN", "Invalid stream token")
    return int(m.group(1))


def _base(pos):
    return {
        "next_batch": make_token(pos),
        "device_one_time_keys_count": {},
        "org.matrix.msc2732.device_unused_fallback_key_types": [],
        "device_unused_fallback_key_types": [],
    }


class SyncFilter:
    def __init__(self, data):
        data = data or {}
        room = data.get("room") or {}
        timeline = room.get("timeline") or {}
        state = room.get("state") or {}
        self.limit = int(timeline.get("limit", 10))
        self.types = timeline.get("types")
        self.not_types = timeline.get("not_types") or []
        self.rooms = room.get("rooms")
        self.lazy_members = bool(state.get("lazy_load_members"))
        self.event_fields = data.get("event_fields")

    def wants_room(self, room_id):
        return self.rooms is None or room_id in self.rooms

    def wants_event(self, ev):
        if self.types is not None and ev.type not in self.types:
            return False
        return ev.type not in self.not_types

    def shape(self, out):
        if not self.event_fields:
            return out
        return {k: v for k, v in out.items() if k in self.event_fields}


def _membership_at(room, user_id, pos):
    """The user's membership event in `room` at stream position `pos` (inclusive)."""
    found = None
    for ev in room.timeline:
        if ev.stream > pos:
            break
        if ev.type == "m.room.member" and ev.state_key == user_id:
            found = ev
    return found


def _state_before(room, pos):
    """State map (type, key) -> event as of stream position `pos` (exclusive)."""
    state = {}
    for ev in room.timeline:
        if ev.stream >= pos:
            break
        if ev.state_key is not None:
            state[(ev.type, ev.state_key)] = ev
    return state


def _room_section(hs, room, user_id, token, since, upto, flt, full_state):
    visible = [ev for ev in room.timeline if since < ev.stream <= upto and flt.wants_event(ev)]
    if not visible and not full_state:
        return None
    timeline = visible[-flt.limit:] if flt.limit > 0 else []
    limited = len(visible) > len(timeline)
    start_pos = timeline[0].stream if timeline else upto + 1
    in_timeline = {ev.event_id for ev in timeline}
    state_events = []
    if full_state or limited:
        base = _state_before(room, start_pos)
        senders = {ev.sender for ev in timeline} | {user_id}
        timeline_members = {ev.state_key for ev in timeline if ev.type == "m.room.member"}
        for (etype, key), ev in base.items():
            if ev.event_id in in_timeline or (not full_state and ev.stream <= since):
                continue
            if etype == "m.room.member" and flt.lazy_members:
                if key not in senders or key in timeline_members:
                    continue
            state_events.append(ev)
    prev_pos = (timeline[0].stream - 1) if timeline else since
    section = {
        "timeline": {
            "events": [flt.shape(ev.client_sync(token)) for ev in timeline],
            "prev_batch": ("t%d-%d_0_0_1_1_1_1_6_0" % (prev_pos, prev_pos)) if limited
            else make_token(prev_pos),
            "limited": limited,
        },
        "state": {"events": [flt.shape(ev.client_sync(token)) for ev in state_events]},
        "account_data": {"events": []},
    }
    return section, timeline


def _joined_section(hs, room, user_id, token, since, upto, flt, full_state):
    built = _room_section(hs, room, user_id, token, since, upto, flt, full_state)
    if built is None:
        return None
    section, timeline = built
    section["ephemeral"] = {"events": []}
    section["unread_notifications"] = {
        "notification_count": sum(1 for ev in timeline
                                  if ev.type == "m.room.message" and ev.sender != user_id),
        "highlight_count": 0,
    }
    summary = {}
    if full_state and flt.lazy_members:
        summary = {"m.joined_member_count": len(room.members("join")),
                   "m.invited_member_count": len(room.members("invite"))}
    section["summary"] = summary
    return section


def _collect(hs, user_id, token, since, flt):
    upto = hs.stream
    join, invite, leave = {}, {}, {}
    for room in hs.rooms.values():
        if not flt.wants_room(room.room_id):
            continue
        now_ev = _membership_at(room, user_id, upto)
        if now_ev is None:
            continue
        now_m = now_ev.content.get("membership")
        before_ev = _membership_at(room, user_id, since) if since > 0 else None
        before_m = before_ev.content.get("membership") if before_ev else None
        if now_m == "join":
            newly = before_m != "join"
            section = _joined_section(hs, room, user_id, token, 0 if newly else since, upto,
                                      flt, full_state=newly)
            if section is not None:
                join[room.room_id] = section
        elif now_m == "invite":
            if since == 0 or now_ev.stream > since:
                state = [{"type": ev.type, "state_key": ev.state_key, "content": ev.content,
                          "sender": ev.sender}
                         for key, ev in sorted(room.state.items())
                         if key[0] in ("m.room.name", "m.room.topic", "m.room.join_rules",
                                       "m.room.canonical_alias", "m.room.create")]
                state.append(flt.shape(now_ev.client_sync(token)))
                invite[room.room_id] = {"invite_state": {"events": state}}
        elif now_m in ("leave", "ban") and since > 0 and now_ev.stream > since:
            # The events up to the one that took the user out, then nothing more.
            built = _room_section(hs, room, user_id, token, since, now_ev.stream, flt, False)
            if built is not None:
                leave[room.room_id] = built[0]
    rooms = {}
    if join:
        rooms["join"] = join
    if invite:
        rooms["invite"] = invite
    if leave:
        rooms["leave"] = leave
    return upto, rooms


def sync(hs, user_id, token, query):
    """Runs under hs.lock; may wait on hs.cond (which releases the lock meanwhile)."""
    flt_param = (query.get("filter") or [None])[0]
    flt = SyncFilter(None)
    if flt_param:
        if flt_param.startswith("{"):
            import json
            try:
                flt = SyncFilter(json.loads(flt_param))
            except ValueError:
                raise MatrixError(400, "M_NOT_JSON", "Invalid filter JSON")
        else:
            filters = hs.filters.get(user_id, [])
            if not flt_param.isdigit() or int(flt_param) >= len(filters):
                raise MatrixError(400, "M_UNKNOWN", "No such filter")
            flt = SyncFilter(filters[int(flt_param)])
    since_param = (query.get("since") or [None])[0]
    since = parse_token(since_param) if since_param is not None else 0
    try:
        timeout_ms = max(0, min(int((query.get("timeout") or ["0"])[0]), 600000))
    except ValueError:
        raise MatrixError(400, "M_INVALID_PARAM", "Query parameter 'timeout' must be an integer")
    full_state = (query.get("full_state") or ["false"])[0] == "true"
    if full_state:
        since = 0
    deadline = time.monotonic() + timeout_ms / 1000.0
    while True:
        pos, rooms = _collect(hs, user_id, token, since, flt)
        if rooms or since == 0:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            break
        hs.cond.wait(timeout=min(left, 1.0))
    out = _base(pos)
    if rooms:
        out["rooms"] = rooms
    return out
