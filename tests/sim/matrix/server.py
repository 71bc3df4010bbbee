#!/usr/bin/python3
"""Matrix homeserver simulator (Synapse 1.67 as captured in ../shared/fixtures/matrix).

Stateful stand-in for the Client-Server API v3 endpoints coopsync uses: versions, login,
whoami, createRoom (rooms and spaces), aliases, invite/kick/join/leave, members, state,
send with per-token txnId idempotency (m.replace edits are ordinary messages), /messages,
/sync with filters and long-poll, the Synapse admin user API, application-service
registration and `?user_id=` masquerading. Rate limiting follows Synapse's leaky bucket:
429 M_LIMIT_EXCEEDED with `retry_after_ms` in the JSON body and no Retry-After header.

Seed (`--seed file.json` at start, or POST /_sim/seed at run time; seeding is additive):
  {
    "server_name": "localhost",
    "registration_shared_secret": "s3cret",          # enables /_synapse/admin/v1/register
    "users": [{"user_id": "@admin:localhost",          # or "localpart": "admin"
               "password": "admin-pass", "admin": true, "displayname": "Admin",
               "threepids": [{"medium": "email", "address": "a@coop.example"}],
               "tokens": ["syt_admin_token"],          # access tokens minted as given
               "deactivated": false}],
    "appservice": {"id": "coop-sync", "url": "http://127.0.0.1:9009",
                   "as_token": "...", "hs_token": "...", "sender_localpart": "coop_bridge",
                   "rate_limited": false,
                   "namespaces": {"users": [{"exclusive": true, "regex": "@coop_.*:localhost"}],
                                  "aliases": [{"exclusive": false, "regex": "#coop_.*:localhost"}],
                                  "rooms": []}},
    "rate_limits": {"enabled": true,
                    "message": {"per_second": 0.2, "burst": 10},   # rc_message (default)
                    "login": {"per_second": 0.17, "burst": 3},     # rc_login.address
                    "invites": {"per_room": {"per_second": 0.3, "burst": 10},     # rc_invites
                                "per_user": {"per_second": 0.003, "burst": 5},
                                "per_issuer": {"per_second": 0.3, "burst": 10}},
                    "create_room_cost": 2},
    "features": {"threepid_lookup": false}   # serve the Synapse >= 1.72 threepid lookup
  }

Control endpoints (besides simbase's /_sim/state, seed, reset, faults, stats):
  POST /_sim/ratelimit {"enabled", "message": {...}, "login": {...}, "invites": {...},
                       "reset": true}
  POST /_sim/act {"user_id", "action": "join"|"leave"|"invite"|"kick"|"send",
                  "room_id" | "alias", "target", "reason", "body"}  a person acting in a
                  client (no token, no rate limit): returns {"event_id"}
Stats: "requests", "rate_limited" (429 answers), "events", "faults".
"""
import os
import re
import sys
from urllib.parse import unquote

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import simbase  # noqa: E402
from simbase import Response, SimApp  # noqa: E402

import hs_admin  # noqa: E402
import hs_rooms  # noqa: E402
from hs_model import Homeserver, MatrixError, RateLimiter  # noqa: E402

HEADERS = [("Cache-Control", "no-cache, no-store, must-revalidate"),
           ("Access-Control-Allow-Origin", "*")]

VERSIONS = {
    "versions": ["r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0",
                 "r0.6.1", "v1.1", "v1.2"],
    "unstable_features": {
        "org.matrix.label_based_filtering": True, "org.matrix.e2e_cross_signing": True,
        "org.matrix.msc2432": True, "uk.half-shot.msc2666.mutual_rooms": True,
        "io.element.e2ee_forced.public": False, "io.element.e2ee_forced.private": False,
        "io.element.e2ee_forced.trusted_private": False,
        "org.matrix.msc3026.busy_presence": False, "org.matrix.msc2285.stable": True,
        "org.matrix.msc3827.stable": True, "org.matrix.msc2716": False,
        "org.matrix.msc3030": False, "org.matrix.msc3440.stable": True,
        "fi.mau.msc2815": False,
    },
}


def answer(body, status=200):
    resp = Response.json(body, status=status, headers=HEADERS, content_type="application/json")
    if status == 429:
        resp.reason = "Unknown Status"  # Twisted has no phrase for 429 (fixture 50)
    return resp


class MatrixSim(SimApp):
    """Matrix homeserver simulator (Synapse 1.67 behaviour)."""

    name = "matrix"

    def __init__(self, args):
        super().__init__(args)
        self.hs = Homeserver(self.lock)
        self._configure_limits({})
        if getattr(args, "no_rate_limit", False):
            self.limits_enabled = False

    def add_arguments(self, parser):
        parser.add_argument("--no-rate-limit", action="store_true",
                            help="start with rate limiting off")
        parser.add_argument("--rate-burst", type=float, default=None)
        parser.add_argument("--rate-per-second", type=float, default=None)

    # --- configuration ------------------------------------------------------------
    def _configure_limits(self, cfg):
        msg = cfg.get("message") or {}
        login = cfg.get("login") or {}
        burst = msg.get("burst", getattr(self.args, "rate_burst", None) or 10)
        rate = msg.get("per_second", getattr(self.args, "rate_per_second", None) or 0.2)
        self.limits_enabled = bool(cfg.get("enabled", getattr(self, "limits_enabled", True)))
        self.message_limiter = RateLimiter(rate, burst)
        self.login_limiter = RateLimiter(login.get("per_second", 0.17), login.get("burst", 3))
        self.create_room_cost = float(cfg.get("create_room_cost", 2))
        # rc_invites (synapse/handlers/room_member.py): keyed by room, by invitee, by inviter.
        inv = cfg.get("invites") or {}
        self.invite_limiters = {
            name: RateLimiter((inv.get(name) or {}).get("per_second", rate_hz),
                              (inv.get(name) or {}).get("burst", burst_count))
            for name, rate_hz, burst_count in (("per_room", 0.3, 10), ("per_user", 0.003, 5),
                                               ("per_issuer", 0.3, 10))}

    def seed(self, data):
        hs = self.hs
        if "server_name" in data:
            hs.server_name = data["server_name"]
        if data.get("registration_shared_secret"):
            hs.shared_secret = data["registration_shared_secret"]
        if "appservice" in data:
            # The sender user is implicit: Synapse 1.67 lists it nowhere (fixture 15).
            hs.appservice = dict(data["appservice"])
        for u in data.get("users", []):
            user_id = u.get("user_id") or hs.user_id(u["localpart"])
            if user_id not in hs.users:
                hs.add_user(user_id, u.get("password"), u.get("admin", False),
                            u.get("displayname"), u.get("threepids"))
            if u.get("deactivated"):
                hs.deactivate(user_id)
            for token in u.get("tokens", []):
                hs.new_token(user_id, token=token, puppet=bool(u.get("puppet_tokens")))
        if "rate_limits" in data:
            self._configure_limits(data["rate_limits"])
        if "features" in data:
            hs.threepid_lookup = bool(data["features"].get("threepid_lookup"))
        return {"ok": True}

    def reset(self):
        self.hs.clear()
        self._configure_limits({"enabled": self.limits_enabled})

    def state(self):
        return hs_rooms.dump_state(self.hs, self.limits_enabled)

    # --- faults shaped like Synapse ---------------------------------------------------
    def render_rate_limit(self, req, retry_after_ms):
        self.count("rate_limited")
        return answer({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests",
                       "retry_after_ms": int(retry_after_ms)}, 429)

    def render_fault(self, req, status):
        return answer({"errcode": "M_UNKNOWN", "error": "Internal server error"}, status)

    def control(self, req):
        path = req.path[len("/_sim/"):]
        if path == "ratelimit" and req.method == "POST":
            body = req.json() or {}
            with self.lock:
                if any(k in body for k in ("message", "login", "invites", "create_room_cost")):
                    self._configure_limits(body)
                if "enabled" in body:
                    self.limits_enabled = bool(body["enabled"])
                if body.get("reset"):
                    self.message_limiter.reset()
                    self.login_limiter.reset()
                    for limiter in self.invite_limiters.values():
                        limiter.reset()
            return answer({"ok": True})
        if path == "act" and req.method == "POST":
            with self.lock:
                try:
                    return answer(hs_rooms.act(self.hs, req.json() or {}))
                except MatrixError as exc:
                    return answer(exc.body(), exc.status)
        return super().control(req)

    # --- auth and limits ------------------------------------------------------------
    def authenticate(self, req):
        auth = req.header("Authorization") or ""
        token = auth[7:].strip() if auth.startswith("Bearer ") else None
        if token is None:
            token = (req.query.get("access_token") or [None])[0]
        if not token:
            raise MatrixError(401, "M_MISSING_TOKEN", "Missing access token")
        hs = self.hs
        asv = hs.appservice
        if asv and token == asv.get("as_token"):
            sender = hs.user_id(asv["sender_localpart"])
            user_id = (req.query.get("user_id") or [sender])[0]
            if user_id != sender:
                if not hs.is_appservice_user(user_id):
                    raise MatrixError(403, "M_FORBIDDEN",
                                      "Application service cannot masquerade as this user (%s)."
                                      % user_id)
                if user_id not in hs.users:
                    raise MatrixError(403, "M_FORBIDDEN",
                                      "Application service has not registered this user (%s)"
                                      % user_id)
            return {"user_id": user_id, "token": token, "device_id": None, "appservice": True}
        info = hs.tokens.get(token)
        if info is None:
            raise MatrixError(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.",
                              soft_logout=False)
        return {"user_id": info["user_id"], "token": token, "device_id": info["device_id"],
                "appservice": False}

    def exempt(self, requester):
        """Synapse's Ratelimiter.can_do_action: an appservice registered `rate_limited: false`,
        or a user whose admin override has no messages_per_second, is never limited."""
        hs = self.hs
        if requester.get("appservice") or hs.is_appservice_user(requester["user_id"]):
            if hs.appservice and not hs.appservice.get("rate_limited", True):
                return True
        override = hs.ratelimit_overrides.get(requester["user_id"])
        return override is not None and not override[0]

    def ratelimit(self, requester, cost=1.0):
        if not self.limits_enabled or self.exempt(requester):
            return
        wait = self.message_limiter.check(requester["user_id"], cost)
        if wait is not None:
            self.count("rate_limited")
            raise MatrixError(429, "M_LIMIT_EXCEEDED", "Too Many Requests", retry_after_ms=wait)

    def ratelimit_creation_invites(self, requester, n_invites):
        """createRoom's check before anything is made (RoomCreationHandler.create_room ->
        ratelimit_multiple_invites(room_id=None, n_invites, update=False)): the per-room
        bucket, keyed by the requester and never filled, so more invites than its burst are
        refused whatever came before. The invites then made in the creation are not limited."""
        if not n_invites or not self.limits_enabled or self.exempt(requester):
            return
        limiter = self.invite_limiters["per_room"]
        if n_invites > limiter.burst:
            raise MatrixError(400, "M_UNKNOWN", "Cannot invite so many users at once")

    def ratelimit_invite(self, requester, room_id, invitee):
        """RoomMemberHandler.ratelimit_invite: by room, then by invitee, then by inviter;
        each bucket counts the invite once it lets it through (update=True)."""
        if not self.limits_enabled or self.exempt(requester):
            return
        for name, key in (("per_room", room_id), ("per_user", invitee),
                          ("per_issuer", requester["user_id"])):
            wait = self.invite_limiters[name].check(key)
            if wait is not None:
                self.count("rate_limited")
                raise MatrixError(429, "M_LIMIT_EXCEEDED", "Too Many Requests",
                                  retry_after_ms=wait)

    def ratelimit_login(self, req):
        if not self.limits_enabled:
            return
        key = req.header("X-Forwarded-For") or req.handler.client_address[0]
        wait = self.login_limiter.check(key)
        if wait is not None:
            self.count("rate_limited")
            raise MatrixError(429, "M_LIMIT_EXCEEDED", "Too Many Requests", retry_after_ms=wait)

    # --- dispatch ---------------------------------------------------------------------
    def handle(self, req):
        segs = [unquote(s) for s in req.path.split("/")[1:]]
        try:
            body = None
            if req.method in ("POST", "PUT"):
                try:
                    body = req.json()
                except ValueError:
                    raise MatrixError(400, "M_NOT_JSON", "Content not JSON.")
                if body is None:
                    body = {}
            with self.lock:
                result = self.route(req, segs, body)
        except MatrixError as exc:
            return answer(exc.body(), exc.status)
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (200, result)
        return answer(payload, status)

    def route(self, req, segs, body):
        hs = self.hs
        m = req.method
        if segs[:2] == ["_matrix", "client"] and len(segs) >= 3:
            if segs[2:] == ["versions"] and m == "GET":
                return VERSIONS
            if segs[2] in ("v3", "r0", "v1"):
                return self.client_route(req, segs[3:], body, segs[2])
        if segs[:2] == ["_synapse", "admin"] and len(segs) >= 4:
            return self.admin_route(req, segs[2], segs[3:], body)
        # Synapse 1.67 answers any path or method it does not serve with 400 (404 came later).
        raise MatrixError(400, "M_UNRECOGNIZED", "Unrecognized request")

    def client_route(self, req, p, body, version):
        hs = self.hs
        m = req.method
        if p == ["login"]:
            if m == "GET":
                return hs_admin.LOGIN_FLOWS
            if m == "POST":
                self.ratelimit_login(req)
                as_req = None
                if body.get("type") == "m.login.application_service":
                    as_req = self.authenticate(req)
                return hs_admin.login(hs, body, as_req)
        if p == ["register"] and m == "POST":
            requester = self.authenticate(req)
            return hs_admin.register_appservice(hs, body, requester)
        if version == "v1" and not (len(p) == 3 and p[0] == "rooms" and p[2] == "hierarchy"):
            raise MatrixError(400, "M_UNRECOGNIZED", "Unrecognized request")
        requester = self.authenticate(req)
        if p == ["account", "whoami"] and m == "GET":
            out = {"user_id": requester["user_id"], "is_guest": False}
            if requester["device_id"]:
                out["device_id"] = requester["device_id"]
            return out
        if p == ["user_directory", "search"] and m == "POST":
            return hs_admin.user_directory_search(hs, body)
        return hs_rooms.route(self, req, requester, p, body)

    def admin_route(self, req, version, p, body):
        hs = self.hs
        m = req.method
        if version == "v1" and p == ["register"]:
            if m == "GET":
                return hs_admin.shared_secret_nonce(hs)
            if m == "POST":
                return hs_admin.shared_secret_register(hs, body)
        requester = self.authenticate(req)
        hs_admin.require_admin(hs, requester)
        if version == "v2" and p == ["users"] and m == "GET":
            return hs_admin.list_users(hs, req.query)
        if version == "v2" and len(p) == 2 and p[0] == "users":
            if m == "GET":
                return hs_admin.get_user(hs, p[1])
            if m == "PUT":
                return hs_admin.put_user(hs, p[1], body)
        if version == "v1" and len(p) == 2 and p[0] == "deactivate" and m == "POST":
            return hs_admin.deactivate(hs, p[1])
        if version == "v1" and len(p) == 3 and p[0] == "users" and p[2] == "login" and m == "POST":
            return hs_admin.login_as(hs, p[1])
        if version == "v1" and len(p) == 3 and p[0] == "users" and p[2] == "override_ratelimit":
            if m == "POST":
                hs.ratelimit_overrides[p[1]] = (float(body.get("messages_per_second", 0)),
                                                float(body.get("burst_count", 0)))
                return {"messages_per_second": int(body.get("messages_per_second", 0)),
                        "burst_count": int(body.get("burst_count", 0))}
            if m == "DELETE":
                hs.ratelimit_overrides.pop(p[1], None)
                return {}
        if (version == "v1" and len(p) == 4 and p[0] == "threepid" and p[2] == "users"
                and m == "GET" and hs.threepid_lookup):
            return hs_admin.threepid_lookup(hs, p[1], p[3])
        raise MatrixError(400, "M_UNRECOGNIZED", "Unrecognized request")


if __name__ == "__main__":
    simbase.main(MatrixSim)
