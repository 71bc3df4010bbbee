#!/usr/bin/python3
"""The Odoo simulator answers like the real servers captured in ../shared/fixtures.

For each fixture folder (odoo = 16.0 XML-RPC, odoo19 = 19.0 JSON-2 + XML-RPC) a fresh
simulator is started with the same version, database and users as the capture, and every
captured request is replayed *in capture order* (so each one finds the state its
predecessors left, with the same ids). Each answer is compared structurally with the
captured one: HTTP status, content type, Connection: close, XML-RPC / JSON types and keys,
fault codes and fault-message first lines, JSON-2 error objects. Timestamps, random tag
colours and tracebacks are normalised (see the comments at each exception).

Exit 77 (skipped) when the fixtures are absent.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import unittest
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.environ.get("COOPSYNC_FIXTURES_DIR") or os.path.join(SOURCE, "..", "shared", "fixtures")
SIM = os.path.join(SOURCE, "tests", "sim", "odoo", "server.py")
ODOO16 = os.path.join(FIXTURES, "odoo")
ODOO19 = os.path.join(FIXTURES, "odoo19")

ADMIN_KEY = "sim-admin-api-key-0123456789abcdef"
SYNC_KEY = "sim-syncuser-api-key-0123456789abcd"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

# Values that differ between any two runs of the real server, compared by type only:
# write/create dates (wall clock), tag colours (Odoo picks a random 1..11 colour).
VOLATILE_KEYS = {"write_date", "create_date", "color"}
# Fields compared by type only, per exchange (none at present: the simulator reproduces
# Odoo 19's rewrite of a new meeting's description, organizer/contact block included).
VOLATILE_19 = set()


class Sim:
    def __init__(self, version, seed):
        self.proc = subprocess.Popen(["/usr/bin/python3", SIM, "--port", "0", "--odoo-version",
                                      str(version)], stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError("simulator did not start: %r" % line)
        self.port = int(line.split()[1])
        status, _, body = self.send("POST", "/_sim/seed", {"Content-Type": "application/json"},
                                    json.dumps(seed).encode())
        if status != 200:
            raise RuntimeError("seed failed: %s" % body)

    def send(self, method, path, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def parse_http(path):
    """A .http fixture: request line, headers, body, `### response`, status, headers, body."""
    text = open(path, "rb").read().decode("utf-8")
    req, resp = text.split("\n### response\n", 1)
    req_head, req_body = req.split("\n\n", 1)
    lines = req_head.split("\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    resp_head, resp_body = resp.split("\n\n", 1)
    rlines = resp_head.split("\n")
    status = int(rlines[0].split(" ")[1])
    rheaders = {k.lower(): v for k, v in (line.split(": ", 1) for line in rlines[1:] if ": " in line)}
    req_body = req_body[:-1] if req_body.endswith("\n\n") else req_body
    length = int(headers.get("Content-Length", "0"))
    return {"method": method, "path": target, "headers": headers,
            "body": req_body.encode("utf-8")[:length] if length else b"",
            "status": status, "rheaders": rheaders, "rbody": resp_body.encode("utf-8")}


def last_line(text):
    lines = [line for line in text.split("\n") if line.strip()]
    return re.sub(r"port \d+", "port N", lines[-1]) if lines else ""


class StructureMixin:
    def assert_same(self, captured, simulated, where, key=None, name=""):
        if key in VOLATILE_KEYS or (name, key) in VOLATILE_19:
            self.assertEqual(type(captured), type(simulated), "%s: type" % where)
            if isinstance(captured, str) and DATETIME.match(captured):
                self.assertRegex(simulated, DATETIME, where)
            return
        self.assertEqual(type(captured), type(simulated), "%s: %r vs %r" % (where, captured, simulated))
        if isinstance(captured, dict):
            self.assertEqual(list(captured.keys()), list(simulated.keys()), "%s: keys" % where)
            for k in captured:
                self.assert_same(captured[k], simulated[k], "%s.%s" % (where, k), k, name)
        elif isinstance(captured, list):
            self.assertEqual(len(captured), len(simulated), "%s: length %r vs %r"
                             % (where, captured, simulated))
            for i, (a, b) in enumerate(zip(captured, simulated)):
                self.assert_same(a, b, "%s[%d]" % (where, i), key, name)
        else:
            self.assertEqual(captured, simulated, where)

    def assert_fields_get(self, captured, simulated, where):
        # The simulator declares the fields coopsync and the fixtures use, not all 151 of
        # the captured database: each declared field must match the captured definition.
        self.assertTrue(simulated, where)
        for fname, sdef in simulated.items():
            self.assertTrue(fname in captured, "%s: simulator-only field %s" % (where, fname))
            cdef = captured[fname]
            self.assertEqual(sorted(cdef), sorted(sdef), "%s.%s attributes" % (where, fname))
            for attr in ("type", "relation", "required"):
                self.assertEqual(cdef.get(attr), sdef.get(attr), "%s.%s.%s" % (where, fname, attr))
            if "selection" in cdef and fname not in ("tz", "lang", "date_tz", "event_tz"):
                self.assertEqual([k for k, _ in cdef["selection"]],
                                 [k for k, _ in sdef["selection"]], "%s.%s" % (where, fname))
        for fname in ("name", "email", "phone", "category_id", "active", "write_date"):
            if fname in captured:
                self.assertTrue(fname in simulated, "%s: %s missing" % (where, fname))


def xmlrpc_outcome(body):
    try:
        return "result", xmlrpc.client.loads(body)[0][0]
    except xmlrpc.client.Fault as fault:
        return "fault", fault


class Odoo16(StructureMixin, unittest.TestCase):
    def test_replay(self):
        if not os.path.isdir(ODOO16):
            self.skipTest("no fixtures in %s" % ODOO16)
        meta = {m["file"]: m for m in json.load(open(os.path.join(ODOO16, "responses-meta.json")))}
        # The clock starts just after the capture's own clock, so that the write_date
        # literals in the captured domains select the same records.
        sim = Sim(16, {"database": "coop", "clock_start": "2026-11-21 12:04:34"})
        try:
            names = sorted(f[:-len(".request.xml")] for f in os.listdir(ODOO16)
                           if f.endswith(".request.xml"))
            for name in names:
                if name.startswith("90-"):
                    # Captured in an earlier run on a server without wkhtmltopdf: the
                    # failure depends on the host, not on Odoo's API; nothing to replay.
                    continue
                with self.subTest(name):
                    self.replay(sim, name, meta[name])
        finally:
            sim.stop()

    def replay(self, sim, name, meta):
        body = open(os.path.join(ODOO16, name + ".request.xml"), "rb").read()
        captured = open(os.path.join(ODOO16, name + ".response.xml"), "rb").read()
        status, headers, answer = sim.send("POST", meta["path"], {"Content-Type": "text/xml"}, body)
        self.assertEqual(meta["http_status"], status)
        self.assertEqual(meta["headers"]["Content-Type"], headers.get("content-type"))
        self.assertEqual("close", headers.get("connection"))
        self.assertTrue(answer.startswith(b"<?xml version='1.0'?>\n<methodResponse>"), answer[:60])
        self.compare_xmlrpc(name, captured, answer)

    def compare_xmlrpc(self, name, captured, answer):
        ckind, cval = xmlrpc_outcome(captured)
        skind, sval = xmlrpc_outcome(answer)
        self.assertEqual(ckind, skind, "%s: %s" % (name, sval))
        if ckind == "fault":
            self.assertEqual(cval.faultCode, sval.faultCode, name)
            self.assertEqual(cval.faultString.split("\n")[0], sval.faultString.split("\n")[0], name)
            # Code 1 carries a traceback: its frames are the server's own code; the last
            # line (exception type and message) is what clients may read.
            self.assertEqual(last_line(cval.faultString), last_line(sval.faultString), name)
            if cval.faultCode != 1:
                self.assertEqual(cval.faultString, sval.faultString, name)
        elif "fields-get" in name:
            self.assert_fields_get(cval, sval, name)
        else:
            self.assert_same(cval, sval, name, name=name)


class Odoo19(StructureMixin, unittest.TestCase):
    def test_replay(self):
        if not os.path.isdir(ODOO19):
            self.skipTest("no fixtures in %s" % ODOO19)
        seed = {"database": "coop19", "clock_start": "2026-11-21 12:33:27", "users": [
            {"login": "admin", "api_keys": [ADMIN_KEY]},
            {"id": 5, "login": "syncuser", "name": "Sync User", "partner_id": 6,
             "password": "syncuser-pass", "api_keys": [SYNC_KEY]}]}
        sim = Sim(19, seed)
        try:
            for name in sorted(f for f in os.listdir(ODOO19) if f.endswith(".http")):
                with self.subTest(name):
                    self.replay(sim, name[:-len(".http")], parse_http(os.path.join(ODOO19, name)))
        finally:
            sim.stop()

    def replay(self, sim, name, ex):
        # The capture redacted the keys; the simulator was seeded with keys of its own.
        subst = lambda b: b.replace(b"<api-key-syncuser>", SYNC_KEY.encode()).replace(
            b"<api-key>", ADMIN_KEY.encode())
        headers = {k: subst(v.encode()).decode() for k, v in ex["headers"].items()
                   if k.lower() not in ("host", "content-length", "user-agent")}
        status, rheaders, answer = sim.send(ex["method"], ex["path"], headers, subst(ex["body"]))
        self.assertEqual(ex["status"], status, "%s: %s" % (name, answer[:300]))
        self.assertEqual(ex["rheaders"].get("content-type"), rheaders.get("content-type"), name)
        self.assertEqual("close", rheaders.get("connection"), name)
        for h in ("www-authenticate", "accept"):
            self.assertEqual(ex["rheaders"].get(h), rheaders.get(h), "%s: %s" % (name, h))
        ctype = ex["rheaders"].get("content-type", "")
        if ctype.startswith("text/xml"):
            self.assertTrue(answer.startswith(b'<?xml version="1.0"?>'), answer[:40])
            self.assertTrue(answer.rstrip().endswith(b"</params>\n\n</methodResponse>") or
                            answer.rstrip().endswith(b"</fault>\n\n</methodResponse>"), name)
            Odoo16.compare_xmlrpc(self, name, ex["rbody"], answer)
        elif ctype.startswith("text/html"):
            self.assertEqual(ex["rbody"].decode().strip(), answer.decode().strip(), name)
        else:
            cval, sval = json.loads(ex["rbody"]), json.loads(answer)
            if isinstance(cval, dict) and "debug" in cval and status >= 400:
                self.compare_error(name, cval, sval)
            elif "fields-get" in name:
                self.assert_fields_get(cval, sval, name)
            else:
                self.assert_same(cval, sval, name, name=name)

    def compare_error(self, name, cval, sval):
        self.assertEqual(sorted(cval), sorted(sval), name)
        for key in ("name", "message", "arguments", "context"):
            self.assertEqual(cval[key], sval[key], "%s: %s" % (name, key))
        # "debug" is the server's traceback: same first line and same final exception line.
        self.assertEqual(cval["debug"].split("\n")[0], sval["debug"].split("\n")[0], name)
        self.assertEqual(last_line(cval["debug"]), last_line(sval["debug"]), name)


if __name__ == "__main__":
    if not os.path.isdir(ODOO16) and not os.path.isdir(ODOO19):
        print("skipped: no Odoo fixtures under %s" % FIXTURES)
        sys.exit(77)
    unittest.main()
