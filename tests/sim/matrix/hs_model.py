"""The homeserver's state: users, access tokens, rooms, events, aliases, rate limiters.

Pure data and rules, no HTTP. Everything here runs under the SimApp's lock; the only
waiting (the /sync long-poll) goes through `Homeserver.cond`, which shares that lock.
Event shapes and error texts follow ../shared/fixtures/matrix (Synapse 1.67.0).
"""
import base64
import os
import random
import string
import threading
import time


class MatrixError(Exception):
    """An error answer: HTTP status, errcode, message, extra body keys."""

    def __init__(self, status, errcode, message, **extra):
        super().__init__(message)
        self.status = status
        self.errcode = errcode
        self.message = message
        self.extra = extra

    def body(self):
        out = {"errcode": self.errcode, "error": self.message}
        out.update(self.extra)
        return out


def forbidden(message):
    return MatrixError(403, "M_FORBIDDEN", message)


def now_ms():
    return int(time.time() * 1000)


class RateLimiter:
    """Synapse's leaky bucket (synapse/api/ratelimiting.py, 1.67): `burst` actions at once,
    then `per_second`; the answer to an action over the limit says when it would pass."""

    def __init__(self, per_second, burst, clock=time.monotonic):
        self.per_second = float(per_second)
        self.burst = float(burst)
        self.clock = clock
        self.actions = {}  # key -> (action_count, time_start)

    def check(self, key, cost=1.0):
        """Returns None when allowed (and counts it), else retry_after_ms."""
        if self.per_second <= 0 and self.burst <= 0:
            return None
        now = self.clock()
        count, start = self.actions.get(key, (0.0, now))
        performed = count - (now - start) * self.per_second
        if performed < 0:
            performed, start = 0.0, now
        allowed = performed + cost <= self.burst
        if allowed:
            # Stored as "count as of now", which leaks exactly like Synapse's (count, start).
            self.actions[key] = (performed + cost, now)
            return None
        self.actions[key] = (performed, now)
        if self.per_second <= 0:
            return 60000
        wait_s = (performed + cost - self.burst) / self.per_second
        return max(1, int(wait_s * 1000))

    def reset(self):
        self.actions.clear()


def random_id(length, alphabet=string.ascii_letters):
    return "".join(random.choice(alphabet) for _ in range(length))


def new_event_id():
    raw = base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")
    return "$" + raw


class Event:
    __slots__ = ("event_id", "room_id", "type", "sender", "content", "state_key", "ts",
                 "stream", "txn_token", "txn_id", "prev")

    def __init__(self, room_id, etype, sender, content, state_key=None, stream=0, prev=None):
        self.event_id = new_event_id()
        self.room_id = room_id
        self.type = etype
        self.sender = sender
        self.content = content
        self.state_key = state_key
        self.ts = now_ms()
        self.stream = stream
        self.txn_token = None
        self.txn_id = None
        self.prev = prev  # the state event this one replaces

    def is_state(self):
        return self.state_key is not None

    def _unsigned(self, requester_token):
        unsigned = {}
        if self.prev is not None:
            unsigned["replaces_state"] = self.prev.event_id
            unsigned["prev_content"] = self.prev.content
            unsigned["prev_sender"] = self.prev.sender
        unsigned["age"] = max(0, now_ms() - self.ts)
        if requester_token is not None and self.txn_token == requester_token and self.txn_id:
            unsigned["transaction_id"] = self.txn_id
        return unsigned

    def client_full(self, requester_token=None):
        """The v3 "client" format of /state, /members, /messages (legacy keys included)."""
        out = {"type": self.type, "room_id": self.room_id, "sender": self.sender,
               "content": self.content}
        if self.state_key is not None:
            out["state_key"] = self.state_key
        out["origin_server_ts"] = self.ts
        unsigned = self._unsigned(requester_token)
        out["unsigned"] = unsigned
        out["event_id"] = self.event_id
        out["user_id"] = self.sender
        out["age"] = unsigned["age"]
        if self.prev is not None:
            out["replaces_state"] = self.prev.event_id
            out["prev_content"] = self.prev.content
        return out

    def client_sync(self, requester_token=None):
        out = {"type": self.type, "content": self.content, "sender": self.sender}
        if self.state_key is not None:
            out["state_key"] = self.state_key
        out["event_id"] = self.event_id
        out["origin_server_ts"] = self.ts
        out["unsigned"] = self._unsigned(requester_token)
        return out


PRIVATE_CHAT_POWER = {
    "users_default": 0,
    "events": {
        "m.room.name": 50, "m.room.power_levels": 100, "m.room.history_visibility": 100,
        "m.room.canonical_alias": 50, "m.room.avatar": 50, "m.room.tombstone": 100,
        "m.room.server_acl": 100, "m.room.encryption": 100,
    },
    "events_default": 0, "state_default": 50, "ban": 50, "kick": 50, "redact": 50,
    "invite": 0, "historical": 100,
}


class Room:
    def __init__(self, room_id, creator, room_type=None):
        self.room_id = room_id
        self.creator = creator
        self.room_type = room_type
        self.state = {}      # (type, state_key) -> Event
        self.timeline = []   # every event, in stream order

    def get_state(self, etype, key=""):
        return self.state.get((etype, key))

    def membership(self, user_id):
        ev = self.state.get(("m.room.member", user_id))
        return ev.content.get("membership") if ev else None

    def members(self, membership=None):
        out = []
        for (etype, key), ev in self.state.items():
            if etype == "m.room.member" and (membership is None or
                                            ev.content.get("membership") == membership):
                out.append(key)
        return sorted(out)

    def power_levels(self):
        ev = self.get_state("m.room.power_levels")
        return ev.content if ev else {}

    def user_level(self, user_id):
        pl = self.power_levels()
        users = pl.get("users", {})
        if user_id in users:
            return int(users[user_id])
        return int(pl.get("users_default", 0))

    def required_level(self, etype, is_state):
        pl = self.power_levels()
        events = pl.get("events", {})
        if etype in events:
            return int(events[etype])
        return int(pl.get("state_default", 50) if is_state else pl.get("events_default", 0))

    def named_level(self, name, default=50):
        return int(self.power_levels().get(name, default))

    def name(self):
        ev = self.get_state("m.room.name")
        return ev.content.get("name") if ev else None

    def topic(self):
        ev = self.get_state("m.room.topic")
        return ev.content.get("topic") if ev else None

    def join_rule(self):
        ev = self.get_state("m.room.join_rules")
        return ev.content.get("join_rule", "invite") if ev else "invite"


class Homeserver:
    """Users, tokens, rooms. Methods raise MatrixError with Synapse's codes and texts."""

    def __init__(self, lock, server_name="localhost"):
        self.lock = lock
        self.cond = threading.Condition(lock)
        self.server_name = server_name
        self.clear()

    def clear(self):
        self.users = {}       # user_id -> dict (admin API shape, plus password)
        self.tokens = {}      # token -> {"user_id", "device_id", "puppet"}
        self.rooms = {}       # room_id -> Room
        self.aliases = {}     # alias -> room_id
        self.filters = {}     # user_id -> [filter dict]
        self.txns = {}        # (path, token) -> event_id
        self.stream = 0
        self.appservice = None
        self.shared_secret = None
        self.nonces = set()
        self.threepid_lookup = False
        self.ratelimit_overrides = {}  # user_id -> (per_second, burst)

    # --- users and tokens --------------------------------------------------------
    def user_id(self, localpart_or_id):
        if localpart_or_id.startswith("@"):
            return localpart_or_id
        return "@%s:%s" % (localpart_or_id, self.server_name)

    def localpart(self, user_id):
        return user_id[1:].split(":", 1)[0]

    def add_user(self, user_id, password=None, admin=False, displayname=None,
                 threepids=None, appservice_id=None):
        ts = now_ms()
        self.users[user_id] = {
            "name": user_id, "is_guest": 0, "admin": 1 if admin else 0,
            "consent_version": None, "consent_server_notice_sent": None,
            "appservice_id": appservice_id, "creation_ts": ts // 1000, "user_type": None,
            "deactivated": 0, "shadow_banned": 0,
            "displayname": displayname if displayname is not None else self.localpart(user_id),
            "avatar_url": None,
            "threepids": [self._threepid(t, ts) for t in (threepids or [])],
            "external_ids": [],
            "_password": password,
        }
        return self.users[user_id]

    @staticmethod
    def _threepid(t, ts):
        return {"medium": t.get("medium", "email"), "address": t["address"],
                "validated_at": t.get("validated_at", ts), "added_at": t.get("added_at", ts)}

    def new_token(self, user_id, device=True, puppet=False, token=None):
        if token is None:
            b64 = base64.b64encode(self.localpart(user_id).encode()).decode().rstrip("=")
            token = "syt_%s_%s_%s" % (b64, random_id(20), random_id(6, string.ascii_letters + string.digits))
        device_id = random_id(10, string.ascii_uppercase) if device else None
        self.tokens[token] = {"user_id": user_id, "device_id": device_id, "puppet": puppet}
        return token, device_id

    def is_appservice_user(self, user_id):
        import re
        if not self.appservice:
            return False
        if user_id == self.user_id(self.appservice["sender_localpart"]):
            return True
        for ns in self.appservice.get("namespaces", {}).get("users", []):
            if re.fullmatch(ns["regex"], user_id):
                return True
        return False

    def appservice_alias_exclusive_conflict(self, alias, requester_is_as):
        import re
        if not self.appservice or requester_is_as:
            return False
        for ns in self.appservice.get("namespaces", {}).get("aliases", []):
            if ns.get("exclusive") and re.fullmatch(ns["regex"], alias):
                return True
        return False

    # --- events ------------------------------------------------------------------
    def add_event(self, room, etype, sender, content, state_key=None):
        self.stream += 1
        prev = room.state.get((etype, state_key)) if state_key is not None else None
        ev = Event(room.room_id, etype, sender, content, state_key, self.stream, prev)
        room.timeline.append(ev)
        if state_key is not None:
            room.state[(etype, state_key)] = ev
        self.cond.notify_all()
        return ev

    def room(self, room_id):
        room = self.rooms.get(room_id)
        if room is None:
            raise MatrixError(404, "M_NOT_FOUND", "Unknown room %s" % room_id)
        return room

    def displayname(self, user_id):
        u = self.users.get(user_id)
        return u["displayname"] if u else self.localpart(user_id)

    def member_content(self, user_id, membership, reason=None):
        content = {}
        if reason is not None:
            content["reason"] = reason
        content["membership"] = membership
        if membership in ("join", "invite"):
            content["displayname"] = self.displayname(user_id)
        return content

    def require_joined(self, room, user_id):
        if room.membership(user_id) != "join":
            ev = room.state.get(("m.room.member", user_id))
            detail = ("<FrozenEventV3 event_id=%s, type=m.room.member, state_key=%s, outlier=0>"
                      % (ev.event_id, user_id)) if ev else "None"
            raise forbidden("User %s not in room %s (%s)" % (user_id, room.room_id, detail))

    def require_level(self, room, user_id, etype, is_state):
        have = room.user_level(user_id)
        need = room.required_level(etype, is_state)
        if have < need:
            raise forbidden("You don't have permission to post that to the room. "
                            "user_level (%d) < send_level (%d)" % (have, need))

    # --- rooms -------------------------------------------------------------------
    def new_room_id(self):
        while True:
            rid = "!%s:%s" % (random_id(18), self.server_name)
            if rid not in self.rooms:
                return rid

    def full_alias(self, localpart):
        return "#%s:%s" % (localpart, self.server_name)

    def create_room(self, creator, body):
        alias = None
        if body.get("room_alias_name"):
            alias = self.full_alias(body["room_alias_name"])
            if alias in self.aliases:
                raise MatrixError(400, "M_ROOM_IN_USE", "Room alias already taken")
        creation = dict(body.get("creation_content") or {})
        room = Room(self.new_room_id(), creator, creation.get("type"))
        self.rooms[room.room_id] = room
        create_content = {"room_version": "9"}
        create_content.update(creation)
        create_content["creator"] = creator
        self.add_event(room, "m.room.create", creator, create_content, "")
        self.add_event(room, "m.room.member", creator, self.member_content(creator, "join"), creator)
        preset = body.get("preset") or (
            "public_chat" if body.get("visibility") == "public" else "private_chat")
        power = {"users": {creator: 100}}
        power.update({k: (dict(v) if isinstance(v, dict) else v)
                      for k, v in PRIVATE_CHAT_POWER.items()})
        if preset == "public_chat":
            power["invite"] = 0
        power.update(body.get("power_level_content_override") or {})
        initial = {(e["type"], e.get("state_key", "")): e.get("content", {})
                   for e in body.get("initial_state") or []}
        if ("m.room.power_levels", "") in initial:
            power = initial.pop(("m.room.power_levels", ""))
        self.add_event(room, "m.room.power_levels", creator, power, "")
        if alias:
            self.aliases[alias] = room.room_id
            self.add_event(room, "m.room.canonical_alias", creator, {"alias": alias}, "")
        preset_state = [
            ("m.room.join_rules", {"join_rule": "public" if preset == "public_chat" else "invite"}),
            ("m.room.history_visibility", {"history_visibility": "shared"}),
        ]
        if preset != "public_chat":
            preset_state.append(("m.room.guest_access", {"guest_access": "can_join"}))
        for etype, content in preset_state:
            content = initial.pop((etype, ""), content)
            self.add_event(room, etype, creator, content, "")
        for (etype, key), content in initial.items():
            self.add_event(room, etype, creator, content, key)
        if body.get("name") is not None:
            self.add_event(room, "m.room.name", creator, {"name": body["name"]}, "")
        if body.get("topic") is not None:
            self.add_event(room, "m.room.topic", creator, {"topic": body["topic"]}, "")
        for invitee in body.get("invite") or []:
            self.add_event(room, "m.room.member", creator,
                           self.member_content(invitee, "invite"), invitee)
        return room, alias

    def invite(self, room, inviter, target, reason=None):
        self.require_joined(room, inviter)
        current = room.membership(target)
        # A repeated invite is accepted (fixture 24) and makes a new invite event: bob's
        # later join replaces an invite without the first one's reason (fixture 28).
        if current == "join":
            raise forbidden("%s is already in the room." % target)
        if current == "ban":
            raise forbidden("%s is banned from the room" % target)
        if room.user_level(inviter) < room.named_level("invite", 0):
            raise forbidden("You don't have permission to invite users")
        if target not in self.users or self.users[target]["deactivated"]:
            if target.endswith(":" + self.server_name):
                raise MatrixError(404, "M_NOT_FOUND", "Unknown user %s" % target)
        return self.add_event(room, "m.room.member", inviter,
                              self.member_content(target, "invite", reason), target)

    def join(self, room, user_id):
        current = room.membership(user_id)
        if current == "join":
            return None
        if current == "ban":
            raise forbidden("You are banned from this room")
        if current != "invite" and room.join_rule() != "public":
            raise forbidden("You are not invited to this room.")
        return self.add_event(room, "m.room.member", user_id,
                              self.member_content(user_id, "join"), user_id)

    def leave(self, room, user_id):
        current = room.membership(user_id)
        if current not in ("join", "invite"):
            raise forbidden("User %s not in room %s" % (user_id, room.room_id))
        return self.add_event(room, "m.room.member", user_id,
                              self.member_content(user_id, "leave"), user_id)

    def kick(self, room, kicker, target, reason=None):
        self.require_joined(room, kicker)
        if room.membership(target) not in ("join", "invite"):
            raise forbidden("The target user is not in the room")
        level = room.user_level(kicker)
        if level < room.named_level("kick") or level <= room.user_level(target):
            raise forbidden("You cannot kick user %s." % target)
        return self.add_event(room, "m.room.member", kicker,
                              self.member_content(target, "leave", reason), target)

    def deactivate(self, user_id):
        user = self.users[user_id]
        user["deactivated"] = 1
        user["threepids"] = []
        user["_password"] = None
        for token in [t for t, info in self.tokens.items()
                      if info["user_id"] == user_id and not info["puppet"]]:
            del self.tokens[token]
        for room in self.rooms.values():
            if room.membership(user_id) in ("join", "invite"):
                self.add_event(room, "m.room.member", user_id,
                               self.member_content(user_id, "leave"), user_id)
