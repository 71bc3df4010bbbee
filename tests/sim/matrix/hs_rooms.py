"""Room endpoints of the Client-Server API (fixtures 18-49): createRoom, aliases, membership,
state, messages, hierarchy, filters and /sync, plus the simulator's /_sim/act and state dump."""
import hs_sync
from hs_model import MatrixError, forbidden


def _read_access(hs, room, user_id):
    if room.membership(user_id) not in ("join",):
        if room.membership(user_id) == "leave":
            return  # Synapse lets a former member read up to their leave; close enough here
        raise forbidden("User %s not in room %s, and room previews are disabled"
                        % (user_id, room.room_id))


def _resolve_room(hs, ident):
    if ident.startswith("#"):
        room_id = hs.aliases.get(ident)
        if room_id is None:
            raise MatrixError(404, "M_NOT_FOUND", "Room alias %s not found" % ident)
        return hs.room(room_id)
    return hs.room(ident)


def _target(body):
    target = body.get("user_id")
    if not isinstance(target, str) or not target.startswith("@"):
        raise MatrixError(400, "M_MISSING_PARAM", "Missing parameter: user_id")
    return target


def route(app, req, requester, p, body):
    hs = app.hs
    m = req.method
    me = requester["user_id"]
    if p == ["createRoom"] and m == "POST":
        app.ratelimit(requester, app.create_room_cost)
        invites = body.get("invite") or []
        app.ratelimit_creation_invites(requester, len(invites))
        room, alias = hs.create_room(me, body)
        out = {"room_id": room.room_id}
        if alias:
            out["room_alias"] = alias
        return out
    if len(p) == 3 and p[:2] == ["directory", "room"]:
        return _alias(app, requester, m, p[2], body)
    if len(p) == 2 and p[0] == "join" and m == "POST":
        room = _resolve_room(hs, p[1])
        hs.join(room, me)
        return {"room_id": room.room_id}
    if len(p) == 3 and p[0] == "user" and p[2] == "filter" and m == "POST":
        if p[1] != me:
            raise forbidden("Cannot create filters for other users")
        filters = hs.filters.setdefault(me, [])
        filters.append(body)
        return {"filter_id": str(len(filters) - 1)}
    if len(p) == 4 and p[0] == "user" and p[2] == "filter" and m == "GET":
        filters = hs.filters.get(p[1], [])
        if p[1] != me or not p[3].isdigit() or int(p[3]) >= len(filters):
            raise MatrixError(404, "M_NOT_FOUND", "No such filter")
        return filters[int(p[3])]
    if len(p) == 2 and p[0] == "profile" and m == "GET":
        user = hs.users.get(p[1])
        if user is None or user["deactivated"]:
            raise MatrixError(404, "M_NOT_FOUND", "Profile was not found")
        return {"displayname": user["displayname"], "avatar_url": user["avatar_url"]}
    if p == ["sync"] and m == "GET":
        return hs_sync.sync(hs, me, requester["token"], req.query)
    if len(p) >= 3 and p[0] == "rooms":
        return _room_route(app, req, requester, p[1], p[2:], body)
    raise MatrixError(400, "M_UNRECOGNIZED", "Unrecognized request")


def _alias(app, requester, method, alias, body):
    hs = app.hs
    if method == "GET":
        room_id = hs.aliases.get(alias)
        if room_id is None:
            raise MatrixError(404, "M_NOT_FOUND", "Room alias %s not found" % alias)
        return {"room_id": room_id, "servers": [hs.server_name]}
    if method == "PUT":
        room_id = body.get("room_id")
        if alias in hs.aliases:
            raise MatrixError(409, "M_UNKNOWN", "Room alias %s already exists" % alias)
        if not alias.endswith(":" + hs.server_name):
            raise MatrixError(400, "M_INVALID_PARAM", "Room alias must be local")
        if hs.appservice_alias_exclusive_conflict(alias, requester.get("appservice")):
            raise MatrixError(400, "M_EXCLUSIVE", "This alias is reserved by an application service.")
        hs.room(room_id)
        hs.aliases[alias] = room_id
        return {}
    if method == "DELETE":
        if alias not in hs.aliases:
            raise MatrixError(404, "M_NOT_FOUND", "Room alias %s not found" % alias)
        del hs.aliases[alias]
        return {}
    raise MatrixError(400, "M_UNRECOGNIZED", "Unrecognized request")


def _room_route(app, req, requester, room_ident, p, body):
    hs = app.hs
    m = req.method
    me = requester["user_id"]
    if p == ["hierarchy"] and m == "GET":
        return _hierarchy(hs, hs.room(room_ident), me)
    room = hs.room(room_ident)
    if p == ["invite"] and m == "POST":
        target = _target(body)
        hs.require_joined(room, me)
        app.ratelimit_invite(requester, room.room_id, target)
        app.ratelimit(requester)
        hs.invite(room, me, target, body.get("reason"))
        return {}
    if p == ["kick"] and m == "POST":
        target = _target(body)
        hs.require_joined(room, me)
        app.ratelimit(requester)
        hs.kick(room, me, target, body.get("reason"))
        return {}
    if p == ["join"] and m == "POST":
        hs.join(room, me)
        return {"room_id": room.room_id}
    if p == ["leave"] and m == "POST":
        hs.leave(room, me)
        return {}
    if p == ["joined_members"] and m == "GET":
        _read_access(hs, room, me)
        joined = {}
        for uid in room.members("join"):
            ev = room.get_state("m.room.member", uid)
            joined[uid] = {"avatar_url": ev.content.get("avatar_url"),
                           "display_name": ev.content.get("displayname")}
        return {"joined": joined}
    if p == ["members"] and m == "GET":
        _read_access(hs, room, me)
        wanted = (req.query.get("membership") or [None])[0]
        chunk = [room.get_state("m.room.member", uid).client_full(requester["token"])
                 for uid in room.members(wanted)]
        return {"chunk": chunk}
    if p == ["aliases"] and m == "GET":
        _read_access(hs, room, me)
        return {"aliases": [a for a, rid in hs.aliases.items() if rid == room.room_id]}
    if p == ["state"] and m == "GET":
        _read_access(hs, room, me)
        return [room.state[k].client_full(requester["token"]) for k in sorted(room.state)]
    if p[0] == "state" and len(p) in (2, 3):
        etype, key = p[1], (p[2] if len(p) == 3 else "")
        if m == "GET":
            _read_access(hs, room, me)
            ev = room.get_state(etype, key)
            if ev is None:
                raise MatrixError(404, "M_NOT_FOUND", "Event not found.")
            return ev.content
        if m == "PUT":
            hs.require_joined(room, me)
            hs.require_level(room, me, etype, True)
            app.ratelimit(requester)
            ev = hs.add_event(room, etype, me, body, key)
            app.count("events")
            return {"event_id": ev.event_id}
    if len(p) == 3 and p[0] == "send" and m == "PUT":
        return _send(app, req, requester, room, p[1], p[2], body)
    if p == ["messages"] and m == "GET":
        _read_access(hs, room, me)
        return _messages(room, req.query, requester["token"])
    raise MatrixError(400, "M_UNRECOGNIZED", "Unrecognized request")


def _send(app, req, requester, room, etype, txn_id, body):
    hs = app.hs
    me = requester["user_id"]
    # Synapse keys its transaction cache on the request path and the access token, so a
    # retry with the same token answers the first event id and writes nothing (30, 31).
    key = (req.path, requester["token"])
    if key in hs.txns:
        return {"event_id": hs.txns[key]}
    hs.require_joined(room, me)
    hs.require_level(room, me, etype, False)
    app.ratelimit(requester)
    ev = hs.add_event(room, etype, me, body)
    ev.txn_token, ev.txn_id = requester["token"], txn_id
    hs.txns[key] = ev.event_id
    app.count("events")
    return {"event_id": ev.event_id}


def _messages(room, query, token):
    direction = (query.get("dir") or ["b"])[0]
    try:
        limit = max(1, min(int((query.get("limit") or ["10"])[0]), 1000))
    except ValueError:
        raise MatrixError(400, "M_INVALID_PARAM", "limit must be an integer")
    events = list(room.timeline)
    start_param = (query.get("from") or [None])[0]
    if start_param:
        try:
            pos = int(start_param.lstrip("st").split("_")[0].split("-")[0])
        except ValueError:
            raise MatrixError(400, "M_UNKNOWN", "Invalid stream token")
    else:
        pos = events[-1].stream if direction == "b" and events else 0
    if direction == "b":
        chosen = [e for e in events if e.stream <= pos][-limit:][::-1]
        end = (chosen[-1].stream - 1) if chosen else pos
    else:
        chosen = [e for e in events if e.stream > pos][:limit]
        end = chosen[-1].stream if chosen else pos
    return {"chunk": [e.client_full(token) for e in chosen],
            "start": "t%d" % pos, "end": "t%d" % end}


def _hierarchy(hs, space, me):
    _read_access(hs, space, me)
    out = []
    for room in [space] + [hs.rooms[k[1]] for k in sorted(space.state)
                           if k[0] == "m.space.child" and k[1] in hs.rooms
                           and space.state[k].content.get("via")]:
        hv = room.get_state("m.room.history_visibility")
        ga = room.get_state("m.room.guest_access")
        entry = {"room_id": room.room_id}
        if room.name() is not None:
            entry["name"] = room.name()
        if room.topic() is not None:
            entry["topic"] = room.topic()
        ca = room.get_state("m.room.canonical_alias")
        if ca and ca.content.get("alias"):
            entry["canonical_alias"] = ca.content["alias"]
        entry.update({
            "num_joined_members": len(room.members("join")),
            "join_rule": room.join_rule(),
            "world_readable": bool(hv and hv.content.get("history_visibility") == "world_readable"),
            "guest_can_join": bool(ga and ga.content.get("guest_access") == "can_join"),
        })
        if room.room_type:
            entry["room_type"] = room.room_type
        entry["children_state"] = [
            {"type": ev.type, "state_key": ev.state_key, "content": ev.content,
             "room_id": room.room_id, "sender": ev.sender, "origin_server_ts": ev.ts}
            for k, ev in sorted(room.state.items()) if k[0] == "m.space.child"]
        out.append(entry)
    return {"rooms": out}


def act(hs, body):
    """/_sim/act: a person doing something in their own client (tests drive humans)."""
    user_id = body.get("user_id") or ""
    if user_id not in hs.users:
        raise MatrixError(404, "M_NOT_FOUND", "Unknown user %s" % user_id)
    room = _resolve_room(hs, body.get("room_id") or body.get("alias") or "")
    action = body.get("action")
    ev = None
    if action == "join":
        ev = hs.join(room, user_id)
    elif action == "leave":
        ev = hs.leave(room, user_id)
    elif action == "invite":
        ev = hs.invite(room, user_id, body["target"], body.get("reason"))
    elif action == "kick":
        ev = hs.kick(room, user_id, body["target"], body.get("reason"))
    elif action == "send":
        hs.require_joined(room, user_id)
        ev = hs.add_event(room, "m.room.message", user_id,
                          {"msgtype": "m.text", "body": body.get("body", "")})
    else:
        raise MatrixError(400, "M_UNKNOWN", "unknown action %r" % action)
    return {"event_id": ev.event_id if ev else None}


def _effective_messages(room):
    """Messages with m.replace edits applied: what a reader of the room sees."""
    msgs, order = {}, []
    for ev in room.timeline:
        if ev.type != "m.room.message":
            continue
        rel = ev.content.get("m.relates_to") or {}
        if rel.get("rel_type") == "m.replace" and rel.get("event_id") in msgs:
            target = msgs[rel["event_id"]]
            if target["sender"] == ev.sender:
                target["content"] = ev.content.get("m.new_content", ev.content)
                target["edits"] += 1
            continue
        msgs[ev.event_id] = {"event_id": ev.event_id, "sender": ev.sender,
                             "content": ev.content, "edits": 0, "txn_id": ev.txn_id}
        order.append(ev.event_id)
    return [msgs[e] for e in order]


def dump_state(hs, limits_enabled):
    rooms = {}
    for room in hs.rooms.values():
        rooms[room.room_id] = {
            "name": room.name(), "topic": room.topic(), "type": room.room_type,
            "creator": room.creator,
            "aliases": sorted(a for a, rid in hs.aliases.items() if rid == room.room_id),
            "members": {k[1]: ev.content.get("membership")
                        for k, ev in sorted(room.state.items()) if k[0] == "m.room.member"},
            "power_levels": room.power_levels(),
            "state": {"%s|%s" % k: ev.content for k, ev in sorted(room.state.items())
                      if k[0] != "m.room.member"},
            "messages": _effective_messages(room),
            "raw_messages": [{"event_id": ev.event_id, "sender": ev.sender,
                              "content": ev.content, "txn_id": ev.txn_id}
                             for ev in room.timeline if ev.type == "m.room.message"],
            "member_events": [{"sender": ev.sender, "target": ev.state_key,
                               "content": ev.content}
                              for ev in room.timeline if ev.type == "m.room.member"],
        }
    users = {uid: {"displayname": u["displayname"], "admin": bool(u["admin"]),
                   "deactivated": bool(u["deactivated"]),
                   "emails": [t["address"] for t in u["threepids"]]}
             for uid, u in hs.users.items()}
    return {"server_name": hs.server_name, "rooms": rooms, "aliases": dict(hs.aliases),
            "users": users, "stream": hs.stream, "rate_limits_enabled": limits_enabled,
            "appservice": (hs.appservice or {}).get("id")}

