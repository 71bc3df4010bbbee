#!/usr/bin/python3
"""Odoo simulator: a stateful stand-in for Odoo 16 / 19 on 127.0.0.1, answering like the
captured traffic in ../shared/fixtures/odoo (16.0, XML-RPC) and ../shared/fixtures/odoo19
(19.0, JSON-2 and XML-RPC).

Endpoints
  POST /xmlrpc/2/common   version, authenticate, login, about
  POST /xmlrpc/2/object   execute_kw(db, uid, password_or_api_key, model, method, args[, kw])
  POST /json/2/<model>/<method>   (19 only) Authorization: bearer <key>, X-Odoo-Database
  GET  /web/version       (17+) {"version_info": [...], "version": "19.0"}
  /_sim/...               control endpoints of tests/sim/common/simbase.py

Usage: server.py [--port 0] [--odoo-version 14..19] [--seed seed.json]

Seed (JSON object, every key optional; POST /_sim/seed applies the same format on top of
the current state):
  {
    "database": "coop",                 # the one database (default "coop")
    "languages": [["en_US", "English (US)"], ["fr_FR", "French / Français"]],
    "clock": "2026-11-21 12:00:00",     # freeze the clock on that UTC second (null: real)
    "clock_start": "2026-11-21 12:00:00",  # or: a running clock that starts there
    "users": [                          # merged by login into the built-in users
      {"login": "admin", "password": "admin", "api_keys": ["k..."], "admin": true},
      {"id": 5, "login": "syncuser", "password": "x", "api_keys": ["k2"],
       "admin": false, "write_models": ["res.partner"], "partner_id": 6}
    ],
    "records": {                        # created in order, as the admin; "id" optional
      "res.partner.category": [{"id": 1, "name": "Membre"}],
      "res.partner": [{"name": "Alice", "email": "a@x.org", "category_id": [[6, 0, [1]]]}]
    },
    "writes": {"res.partner": [{"id": 7, "name": "Alicia"}]},  # then these, as the admin
    "began_at": "2026-11-21 11:59:59"   # records and writes of this seed are one transaction
                                        # that began then and commits now: a late commit,
                                        # its write_date older than what was read before
  }
Built-in state, as in a fresh database without demo data: company 1 "My Company" (partner
1), partners 2 OdooBot (archived), 3 Administrator, 4 Public user (archived), 5 Default
User Template (archived); users 1 __system__, 2 admin (password "admin", no API key unless
seeded), 3 default, 4 public (all but admin archived); on 16 also partner 6 / user 5, the
portal template (archived); country 75 France; group 1 Internal User; event stage 1
"New". Ids continue after these.
"""
import json
import os
import re
import sys
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))

import simbase  # noqa: E402
from simbase import Response, SimApp  # noqa: E402
from odoo_errors import (AccessDenied, BadRequest, ExpatError, OdooError,  # noqa: E402
                         OperationalError, PyKeyError, PyTypeError, Unauthorized,
                         traceback_text)
from odoo_methods import call_json2, call_xmlrpc  # noqa: E402
from odoo_orm import Database, Env  # noqa: E402

XML_CT = "text/xml; charset=utf-8"
JSON_CT = "application/json; charset=utf-8"
HTML_CT = "text/html; charset=utf-8"
SERVER = "Werkzeug/2.2.2 Python/3.11.2"

HTML_404 = ("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
            "<p>The requested URL was not found on the server. If you entered the URL manually "
            "please check your spelling and try again.</p>\n")
HTML_404_NODB = (
    "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is "
    "selected and the requested URL was not found in the server-wide controllers.</p>\n<p>"
    "Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- "
    "Alternatively, use the X-Odoo-Database header. -->\n")
HTML_405 = ("<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method "
            "Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n")
HTML_415 = (
    "<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>"
    "Unsupported Media Type</h1>\n<p>Request inferred type is compatible with [&#39;http&#39;] "
    "but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br>"
    "<br>Please verify the Content-Type request header and try again.</p>\n")
HTML_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>"
            "502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

INSTALLED_AT = 1767225600.0  # 2026-01-01 00:00:00 UTC
READ_ONLY = ("search_read", "search", "search_count", "read", "fields_get", "context_get",
             "check_object_reference")
BUILTIN_PARTNERS = [(1, "My Company", True, True), (2, "OdooBot", False, False),
                    (3, "Administrator", True, False), (4, "Public user", False, False),
                    (5, "Default User Template", False, False)]
BUILTIN_USERS = [(1, "__system__", 2, False), (2, "admin", 3, True), (3, "default", 5, False),
                 (4, "public", 4, False)]
# 16.0 also had the portal template (partner 6, user 5), so new records start at 7 and
# user 6 as captured; the 19 capture had its own user 5 instead (seeded by the tests).
BUILTIN_16 = ((6, "Portal User Template"), (5, "portaltemplate"))


class OdooSim(SimApp):
    """Odoo XML-RPC / JSON-2 simulator."""

    name = "odoo"
    server_header = SERVER

    def __init__(self, args):
        super().__init__(args)
        self.version = int(args.odoo_version)
        self.seeds = []
        self.reset()

    @property
    def users(self):
        return self.db.user_info

    def add_arguments(self, parser):
        # 14 and 15 were not captured; for every field and call simulated here they behave
        # as 16 (same res.partner fields incl. mobile and membership, "Tag Name", seats_*
        # of events, no /web/version, XML-RPC only), reporting their own version number.
        parser.add_argument("--odoo-version", default="16",
                            choices=["14", "15", "16", "17", "18", "19"],
                            help="major version whose behaviour is simulated")

    # --- state ----------------------------------------------------------------------
    def clock(self):
        db = self.db
        if db is None:
            return time.time()
        return float(db.frozen) if db.frozen is not None else time.time() + db.offset

    def reset(self):
        self.db = None
        self._build(languages=[["en_US", "English (US)"]], database="coop")
        for data in self.seeds:
            self._apply_seed(data)

    def _build(self, languages, database):
        db = Database(database, self.version, [tuple(x) for x in languages])
        self.db = db
        env = Env(db, 1, user={"admin": True})
        env.now = INSTALLED_AT  # built-in records predate anything a test does
        for rid, name, active, company in BUILTIN_PARTNERS:
            db.insert("res.partner", {}, 1, env.now, rid)
            env._assign("res.partner", rid, {"name": name, "active": active,
                                             "is_company": company, "lang": "en_US"})
        db.insert("res.company", {}, 1, env.now, 1)
        env._assign("res.company", 1, {"name": "My Company", "partner_id": 1})
        db.insert("res.groups", {}, 1, env.now, 1)
        env._assign("res.groups", 1, {"name": "Internal User"})
        db.insert("event.stage", {}, 1, env.now, 1)
        env._assign("event.stage", 1, {"name": "New"})
        db.insert("res.country", {}, 1, env.now, 75)
        env._assign("res.country", 75, {"name": "France", "code": "FR"})
        db.next_id["res.country"] = 1
        users = list(BUILTIN_USERS)
        if self.version < 17:
            (pid, pname), (uid, login) = BUILTIN_16
            db.insert("res.partner", {}, 1, env.now, pid)
            env._assign("res.partner", pid, {"name": pname, "active": False, "lang": "en_US"})
            users.append((uid, login, pid, False))
        for uid, login, partner, active in users:
            db.insert("res.users", {}, 1, env.now, uid)
            env._assign("res.users", uid, {"login": login, "partner_id": partner,
                                           "active": active, "company_id": 1,
                                           "password": "admin" if uid == 2 else False})
            db.user_info[uid] = {"api_keys": [], "admin": uid in (1, 2)}

    def seed(self, data):
        self.seeds.append(data)
        return self._apply_seed(data)

    def _apply_seed(self, data):
        if data.get("database"):
            self.db.name = data["database"]
        if data.get("languages"):
            self.db.set_languages([tuple(x) for x in data["languages"]])
        if "clock" in data:
            self.db.frozen = self.db.parse_ts(data["clock"]) if data["clock"] else None
        if data.get("clock_start"):
            self.db.offset = self.db.parse_ts(data["clock_start"]) - time.time()
        created = {}
        for u in data.get("users", []):
            uid = self._seed_user(u)
            created.setdefault("res.users", []).append(uid)
        env = Env(self.db, 2, user={"admin": True})
        if data.get("began_at"):
            env.now = self.db.parse_ts(data["began_at"])
        for model, rows in (data.get("records") or {}).items():
            for row in rows:
                row = dict(row)
                rid = row.pop("id", None)
                if rid:
                    self.db.next_id[model] = max(self.db.next_id[model], rid)
                    if self.db.next_id[model] != rid:
                        raise ValueError("seed: %s id %d already used" % (model, rid))
                created.setdefault(model, []).extend(env.create(model, [row]))
        for model, rows in (data.get("writes") or {}).items():
            for row in rows:
                row = dict(row)
                env.write(model, [row.pop("id")], row)
        return {"ok": True, "created": created}

    def _seed_user(self, u):
        db = self.db
        uid = self._uid_of(u["login"])
        env = Env(db, 2, user={"admin": True})
        env.now = INSTALLED_AT  # accounts are set up before anything a test does
        if uid is None:
            if u.get("id"):
                db.next_id["res.users"] = u["id"]
            vals = {"login": u["login"], "name": u.get("name", u["login"]),
                    "email": u.get("email", False)}
            if u.get("partner_id"):
                if u["partner_id"] not in db.records["res.partner"]:
                    db.next_id["res.partner"] = u["partner_id"]
                    env.create("res.partner", [{"name": u.get("name", u["login"]),
                                                "email": u.get("email", False),
                                                "active": u.get("active", True)}])
                vals["partner_id"] = u["partner_id"]
            uid = env.create("res.users", [vals])[0]
        for key in ("active", "password"):
            if key in u:
                db.records["res.users"][uid][key] = u[key]
        info = self.users[uid]
        for key in ("api_keys", "admin", "write_models"):
            if key in u:
                info[key] = u[key]
        return uid

    def _uid_of(self, login):
        return next((i for i, r in self.db.records["res.users"].items() if r["login"] == login),
                    None)

    def state(self):
        env = Env(self.db, 2, {"active_test": False}, user={"admin": True})
        out = {"version": self.version, "database": self.db.name}
        for model in ("res.partner", "res.partner.category", "event.event", "event.tag",
                      "event.registration", "calendar.event", "calendar.event.type", "res.users"):
            ids = sorted(self.db.records[model])
            fields = [f for f in self.db.models[model]["fields"] if f != "password"]
            out[model] = env.read(model, ids, fields)
        return out

    # --- auth -----------------------------------------------------------------------
    def _check_password(self, uid, secret):
        info = self.users.get(uid)
        rec = self.db.records["res.users"].get(uid)
        if not info or not rec or not rec["active"] or not isinstance(secret, str) or not secret:
            return False
        return secret == rec["password"] or secret in info.get("api_keys", [])

    def _user_by_key(self, key):
        for uid, info in self.users.items():
            if key in info.get("api_keys", []) and self.db.records["res.users"][uid]["active"]:
                return uid
        return None

    # --- HTTP -----------------------------------------------------------------------
    def handle(self, req):
        with self.lock:
            resp = self._route(req)
        resp.close = True  # the real (threaded) server closes after every answer
        return resp

    def render_fault(self, req, status):
        # What a client sees when Odoo's reverse proxy fails: an HTML page, not a fault.
        body = HTML_502.replace("502 Bad Gateway", "%d %s" % (status, _reason(status)))
        return Response(status, body, content_type="text/html", close=True)

    def _route(self, req):
        path = req.path
        if path.startswith("/xmlrpc/2/"):
            if req.method != "POST":
                return Response(405, HTML_405, [("Allow", "POST")], HTML_CT)
            self.count("xmlrpc")
            return self._xmlrpc(path[len("/xmlrpc/2/"):], req.body)
        if path.startswith("/json/2") and self.version >= 19:
            self.count("json2")
            return self._json2(req)
        if path == "/web/version" and self.version >= 17:
            info = [self.version, 0, 0, "final", 0, ""]
            return Response.json({"version_info": info, "version": "%d.0" % self.version},
                                 headers=[("Set-Cookie", "session_id=sim; HttpOnly; Path=/")])
        return Response(404, HTML_404, content_type=HTML_CT)

    # --- XML-RPC --------------------------------------------------------------------
    def _xmlrpc_answer(self, payload):
        text = payload
        if self.version >= 19:  # 19 writes a double-quoted prolog and a blank line (captured)
            text = text.replace("<?xml version='1.0'?>", '<?xml version="1.0"?>', 1)
            text = text.replace("</methodResponse>", "\n</methodResponse>")
        return Response(200, text, content_type=XML_CT)

    def _fault(self, err, where="call_kw"):
        text = traceback_text(err, where) if err.fault_code == 1 else err.message
        return self._xmlrpc_answer(xmlrpc.client.dumps(xmlrpc.client.Fault(err.fault_code, text),
                                                       methodresponse=True))

    def _xmlrpc(self, service, body):
        try:
            params, method = xmlrpc.client.loads(body)
        except Exception as exc:  # expat or a malformed value: fault 1, as Odoo does
            return self._fault(ExpatError(str(exc)), "loads")
        try:
            if service == "common":
                result = self._common(method, params)
            elif service == "object" and method in ("execute_kw", "execute"):
                result = self._execute(method, params)
            elif service in ("common", "object", "db"):
                raise PyKeyError("'exp_%s'" % method)
            else:
                raise PyKeyError("%r" % service)
        except OdooError as err:
            return self._fault(err)
        try:
            payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except TypeError as exc:  # None results: the change is made, the answer is a fault
            return self._fault(PyTypeError(str(exc)), "dump_nil")
        return self._xmlrpc_answer(payload)

    def _common(self, method, params):
        if method == "version":
            v = "%d.0" % self.version
            return {"server_version": v, "server_version_info": [self.version, 0, 0, "final", 0, ""],
                    "server_serie": v, "protocol_version": 1}
        if method == "about":
            return "See http://openerp.com"
        if method in ("authenticate", "login"):
            if len(params) < 3:
                raise PyTypeError("exp_%s() missing required positional arguments" % method)
            db, login, password = params[0], params[1], params[2]
            self._check_db(db)
            uid = self._uid_of(login)
            return uid if uid is not None and self._check_password(uid, password) else False
        raise PyKeyError("'exp_%s'" % method)

    def _check_db(self, db):
        if db != self.db.name:
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: '
                                   'FATAL:  database "%s" does not exist' % db)

    def _execute(self, method, params):
        if len(params) < 6:
            raise PyTypeError("execute_kw() missing required positional arguments")
        db, uid, password, model, name, args = params[:6]
        kwargs = dict(params[6]) if method == "execute_kw" and len(params) > 6 else {}
        if method == "execute":
            args = list(params[5:])
        self._check_db(db)
        if not isinstance(uid, int) or not self._check_password(uid, password):
            raise AccessDenied()
        context = kwargs.pop("context", None) or {}
        env = Env(self.db, uid, context, self.users[uid])
        self.count("call:%s.%s" % (model, name))
        return self._transaction(name, lambda: call_xmlrpc(env, model, name, args, kwargs))

    def _transaction(self, method, run):
        if method in READ_ONLY:
            return run()
        snap = self.db.snapshot()
        try:
            return run()
        except OdooError:
            self.db.restore(snap)
            raise

    # --- JSON-2 ---------------------------------------------------------------------
    def _json_error(self, err):
        body = {"name": err.name, "message": err.message, "arguments": err.arguments,
                "context": {}, "debug": traceback_text(err, "web_json_2_rpc")}
        headers = [("WWW-Authenticate", "Bearer ")] if isinstance(err, Unauthorized) else []
        return Response.json(body, status=err.http_status, headers=headers)

    def _json2(self, req):
        from odoo_errors import NotFound
        db_name = req.header("X-Odoo-Database")
        if db_name is not None and db_name != self.db.name:
            return Response(404, HTML_404_NODB, content_type=HTML_CT)
        m = re.fullmatch(r"/json/2/([^/]+)/([^/]+)", req.path)
        if req.method != "POST" or not m:
            return self._json_error(NotFound("Did you mean POST /json/2/<model>/<method>?"))
        ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return Response(415, HTML_415, [("Accept", "application/json")], HTML_CT)
        try:
            auth = req.header("Authorization") or ""
            am = re.match(r"^bearer\s+(.+)$", auth, re.I)
            if not am:
                raise Unauthorized("User not authenticated, use an API Key with a Bearer "
                                   "Authorization header.")
            uid = self._user_by_key(am.group(1).strip())
            if uid is None:
                raise Unauthorized("Invalid apikey")
            try:
                params = json.loads(req.body.decode("utf-8")) if req.body else {}
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequest("could not parse the body as json: %s" % exc)
            if not isinstance(params, dict):
                raise BadRequest("the body must be a json object")
            context = params.pop("context", None) or {}
            env = Env(self.db, uid, context, self.users[uid])
            model, method = m.group(1), m.group(2)
            self.count("call:%s.%s" % (model, method))
            result = self._transaction(method, lambda: call_json2(env, model, method, params))
        except OdooError as err:
            return self._json_error(err)
        return Response.json(result)


def _reason(status):
    from http.server import BaseHTTPRequestHandler
    return BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]


if __name__ == "__main__":
    simbase.main(OdooSim)
