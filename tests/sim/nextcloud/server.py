#!/usr/bin/python3
"""Nextcloud 27 simulator: OCS Provisioning (users, groups), OCS Share API, app passwords,
WebDAV files and CalDAV, answering like the capture in ../shared/fixtures/nextcloud.

Run:  /usr/bin/python3 tests/sim/nextcloud/server.py --port 0 [--seed seed.json]
Prints `LISTENING <port>`; control endpoints under /_sim/ (see tests/sim/common/simbase.py).

Seed (POST /_sim/seed or --seed FILE; replaces the whole state):
  {
    "users": [
      {"id": "admin", "password": "login-pass", "app_passwords": ["app-pass-1"],
       "email": "", "displayname": "admin", "enabled": true, "groups": ["admin"],
       "language": "en", "quota": "none"}
    ],
    "groups": [{"id": "board", "displayname": "Board of Directors",
                "members": ["alice"]}],
    "calendars": [{"owner": "admin", "name": "coop-events", "displayname": "Coop Events",
                   "color": "#0082C9"}],
    "bruteforce": {"max_failures": 10},
    "sharing": {"allow_group_sharing": true},
    "caldav": {"sync_page_limit": 0}
  }
Users in group "admin" are administrators. "sharing" and calendar POST oc:share: see
cal_sharing.py; "caldav.sync_page_limit" > 0 cuts sync-collection answers (RFC 6578 507). Without a seed: admin / admin.
Every user gets a home folder with welcome.txt and a "personal" calendar, as a first login
would create. Brute-force protection: after `max_failures` failed logins (0 disables it),
every request fails fast, as Nextcloud does once its delay is at the maximum: DAV answers
429 (87) and OCS 500. Delays themselves are not simulated (tests must not be timed).
"""
import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))

import dav_xml  # noqa: E402
import ocs_render  # noqa: E402
from caldav import CalDav  # noqa: E402
from files_dav import FilesDav, split_files_path  # noqa: E402
from model import Calendar, State, md5  # noqa: E402
from ocs import Ocs  # noqa: E402
from simbase import Response, SimApp, main  # noqa: E402

DEFAULT_SEED = {"users": [{"id": "admin", "password": "admin", "groups": ["admin"]}]}


class NextcloudSim(SimApp):
    """Nextcloud 27 simulator (OCS, WebDAV, CalDAV)."""

    name = "nextcloud"

    def __init__(self, args):
        SimApp.__init__(self, args)
        self.reset()

    # --- state ----------------------------------------------------------------------
    def reset(self):
        self.seed(DEFAULT_SEED)

    def seed(self, data):
        s = State()
        for g in data.get("groups", []):
            s.add_group(g["id"], g.get("displayname"))
        for u in data.get("users", []):
            s.add_user(u["id"], u.get("password", ""), email=u.get("email", ""),
                       displayname=u.get("displayname"), groups=u.get("groups", []),
                       enabled=u.get("enabled", True), language=u.get("language", "en"),
                       quota=u.get("quota", "none"),
                       app_passwords=u.get("app_passwords", []))
        for g in data.get("groups", []):
            for uid in g.get("members", []):
                s.add_member(g["id"], uid)

        for c in data.get("calendars", []):
            s.calendars[c["owner"]][c["name"]] = Calendar(
                c.get("displayname", c["name"]), c.get("color", "#0082c9"))
        s.max_failures = int(data.get("bruteforce", {}).get("max_failures", 10))
        s.allow_group_sharing = bool(data.get("sharing", {}).get("allow_group_sharing", True))
        s.sync_page_limit = int(data.get("caldav", {}).get("sync_page_limit", 0))
        self.cloud = s
        self.ocs = Ocs(s)
        self.files = FilesDav(s)
        self.caldav = CalDav(s)
        return {"ok": True}

    def state(self):  # the control endpoint's view (GET /_sim/state)
        s = self.cloud
        return {"users": {u: {k: v for k, v in d.items()
                              if k not in ("password", "app_passwords")}
                          for u, d in s.users.items()},
                "groups": s.groups,
                "shares": list(s.shares.values()),
                "calendars": {u: {n: {"token": c.token, "objects": sorted(c.objects),
                                      "shares": [{"principal": p, "access": "read-write"
                                                  if rw else "read"}
                                                 for p, rw in sorted(c.shares.items())]}
                                  for n, c in cals.items()}
                              for u, cals in s.calendars.items()},
                "calendar_share_posts": s.share_posts,
                "failed_logins": s.failures}

    # --- auth -----------------------------------------------------------------------
    def authenticate(self, req):
        """(uid, app_password or None, problem) where problem is None, "none", "bad",
        "disabled"."""
        s = self.cloud
        header = req.header("Authorization") or ""
        if not header.startswith("Basic "):
            return None, None, "none"
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except Exception:
            return None, None, "bad"
        u = s.users.get(user)
        if u is None:
            return None, None, "bad"
        if password in u["app_passwords"]:
            app = password
        elif password and password == u["password"]:
            app = None
        else:
            return None, None, "bad"
        if not u["enabled"]:
            return None, None, "disabled"
        return user, app, None

    # --- dispatch -------------------------------------------------------------------
    def handle(self, req):
        with self.lock:
            return self.dispatch(req)

    def dispatch(self, req):
        s = self.cloud
        path = req.path
        is_ocs = path.startswith("/ocs/v1.php/") or path.startswith("/ocs/v2.php/")
        is_dav = path.startswith("/remote.php/dav")
        if path == "/status.php":
            return Response(200, '{"installed":true,"maintenance":false,"needsDbUpgrade":'
                                 'false,"version":"27.1.0.7","versionstring":"27.1.0",'
                                 '"edition":"","productname":"Nextcloud","extendedSupport":'
                                 'false}', content_type="application/json")
        if not is_ocs and not is_dav:
            return Response(404, "Not found", content_type="text/html; charset=UTF-8")
        if s.max_failures and s.failures >= s.max_failures:
            self.count("throttled")
            if is_dav:
                return dav_xml.too_many_requests()
            return Response(500, '{"message":"Reached maximum delay"}',
                            content_type=ocs_render.JSON_TYPE)
        uid, app, problem = self.authenticate(req)
        # A disabled account's DAV login throws LoginException out of logClientIn() before
        # handleLoginFailed(): no failed attempt is registered there.
        if problem == "bad" or (problem == "disabled" and is_ocs):
            s.failures += 1
            self.count("failed_logins")
        if is_ocs:
            return self.serve_ocs(req, uid, app, problem)
        return self.serve_dav(req, uid, problem)

    def serve_ocs(self, req, uid, app, problem):
        version = 1 if req.path.startswith("/ocs/v1.php/") else 2
        fmt = "xml"
        if (req.query.get("format") or [""])[-1] == "json" or \
                "application/json" in (req.header("Accept") or ""):
            fmt = "json"
        if problem in ("bad", "disabled"):
            return ocs_render.unauthorised_xml()
        if problem == "none":
            return ocs_render.render(version, fmt, 997, "Current user is not logged in", [])
        if (req.header("OCS-APIRequest") or "").lower() != "true":
            return ocs_render.csrf_failed()
        try:
            data = self.ocs.route(req, req.path[len("/ocs/v1.php"):], uid, app)
        except ocs_render.OcsError as err:
            return ocs_render.render(version, fmt, err.code, err.message, [])
        resp = ocs_render.render(version, fmt, 200, None, data)
        if req.path.endswith("/cloud/capabilities"):  # 02: capabilities carry an ETag
            resp.headers.append(("ETag", '"%s"' % md5(resp.body)))
        return resp

    def serve_dav(self, req, uid, problem):
        if problem == "disabled":
            # apps/dav Connector/Sabre/Auth::check() wraps completeLogin()'s
            # LoginException("User disabled") as ServiceUnavailable("<class>: <message>").
            return dav_xml.sabre_error(503, "Sabre\\DAV\\Exception\\ServiceUnavailable",
                                       "OC\\User\\LoginException: User disabled")
        if problem is not None:
            return dav_xml.not_authenticated(problem == "bad")
        rest = req.path[len("/remote.php/dav"):]
        if rest in ("", "/"):
            if req.method == "PROPFIND":
                return self.caldav.root_propfind(req, uid)
            return dav_xml.sabre_error(405, "Sabre\\DAV\\Exception\\MethodNotAllowed",
                                       "Method not allowed")
        if rest.startswith("/files/"):
            owner, path = split_files_path(rest[len("/files/"):])
            return self.files.handle(req, uid, owner, path)
        if rest.startswith("/principals/users/") and req.method == "PROPFIND":
            who = rest[len("/principals/users/"):].strip("/")
            return self.caldav.principal_propfind(req, uid, who)
        if rest.startswith("/calendars/"):
            return self.caldav.handle(req, uid, rest[len("/calendars/"):])
        return dav_xml.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                   "File with name %s could not be located" % rest.strip("/"))

    # --- injected faults --------------------------------------------------------------
    def render_fault(self, req, status):
        if req.path.startswith("/remote.php/dav"):
            exc = {503: "ServiceUnavailable", 423: "Locked", 507: "InsufficientStorage"}.get(
                status, "ServiceUnavailable" if status >= 500 else "BadRequest")
            resp = dav_xml.sabre_error(status, "Sabre\\DAV\\Exception\\" + exc,
                                       "injected fault")
        elif req.path.startswith("/ocs/"):
            version = 1 if req.path.startswith("/ocs/v1.php/") else 2
            fmt = "json" if "json" in req.raw_query or \
                "json" in (req.header("Accept") or "") else "xml"
            resp = ocs_render.render(version, fmt, 996 if status >= 500 else status,
                                     "injected fault", [])
            resp.status = status
        else:
            resp = Response(status, "injected fault", content_type="text/plain")
        if status in (429, 503):
            resp.headers.append(("Retry-After", str(max(1, int(
                self.faults.cfg.get("retry_after_ms", 1000)) // 1000))))
        return resp

    def render_rate_limit(self, req, retry_after_ms):
        resp = dav_xml.too_many_requests()
        resp.headers.append(("Retry-After", str(max(1, retry_after_ms // 1000))))
        return resp


if __name__ == "__main__":
    main(NextcloudSim)
