"""Helpers for replaying ../shared/fixtures/matrix against the simulator: parsing the
.http files, translating ids between the capture and the simulator, comparing answers.

Ids, tokens and stream tokens differ between the real capture and a simulator run. The
replay learns the correspondence from the answers (a room id in fixture 18's answer and
the simulator's answer at the same place are the same room), rewrites later requests
with it, and translates the simulator's answers back before comparing them *exactly*,
except for a few volatile values (timestamps, ages, device ids, nonces, retry hints)
whose type alone is compared.
"""
import http.client
import json
import os
import re
import subprocess
from urllib.parse import quote

ID_RE = re.compile(r"(![A-Za-z]{10,}:localhost|\$[A-Za-z0-9_\-]{20,}|syt_[A-Za-z0-9_]+"
                   r"|\bs\d+_\d+_\d+_\d+_\d+_\d+_\d+_\d+_\d+|\bt\d+-\d+_[0-9_]+)")
VOLATILE = {"origin_server_ts", "age", "creation_ts", "validated_at", "added_at",
            "retry_after_ms", "device_id", "nonce"}


class Exchange:
    def __init__(self, path):
        self.name = os.path.basename(path)
        self.number = int(self.name.split("-", 1)[0])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        req_text, resp_text = text.split("\n### response\n", 1)
        lines = req_text.split("\n")
        self.notes = [ln for ln in lines if ln.startswith("#")]
        lines = [ln for ln in lines if not ln.startswith("#")]
        self.method, self.target, _ = lines[0].split(" ", 2)
        self.headers, body_lines = _headers(lines[1:])
        self.body = "\n".join(body_lines).strip()
        rlines = resp_text.split("\n")
        parts = rlines[0].split(" ", 2)
        self.status = int(parts[1])
        self.reason = parts[2] if len(parts) > 2 else ""
        self.resp_headers, rbody = _headers(rlines[1:])
        rbody = "\n".join(rbody).strip()
        self.resp_body = json.loads(rbody) if rbody else None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def _headers(lines):
    headers = []
    i = 0
    while i < len(lines) and lines[i].strip():
        k, v = lines[i].split(":", 1)
        headers.append((k.strip(), v.strip()))
        i += 1
    return headers, lines[i + 1:]


def load_exchanges(folder):
    names = sorted(n for n in os.listdir(folder) if re.match(r"\d\d-.*\.http$", n))
    return [Exchange(os.path.join(folder, n)) for n in names]


class IdMap:
    """fixture value <-> simulator value, learned from answers, one-to-one."""

    def __init__(self):
        self.to_sim = {}
        self.to_fixture = {}
        self.problems = []

    def learn(self, fixture_value, sim_value):
        if fixture_value == sim_value:
            return
        known = self.to_sim.get(fixture_value)
        if known is None and sim_value not in self.to_fixture:
            self.to_sim[fixture_value] = sim_value
            self.to_fixture[sim_value] = fixture_value
        elif known != sim_value:
            self.problems.append("%s maps to both %s and %s" % (fixture_value, known, sim_value))

    def learn_strings(self, fixture_text, sim_text):
        fparts, sparts = ID_RE.split(fixture_text), ID_RE.split(sim_text)
        if len(fparts) != len(sparts):
            return
        for i in range(1, len(fparts), 2):
            self.learn(fparts[i], sparts[i])

    def learn_tree(self, fixture, sim, path="$"):
        if isinstance(fixture, dict) and isinstance(sim, dict):
            fkeys = [k for k in fixture if ID_RE.fullmatch(k) and k not in sim]
            skeys = [k for k in sim if ID_RE.fullmatch(k) and k not in fixture]
            for fk, sk in zip(sorted(fkeys), sorted(skeys)):
                if self.to_sim.get(fk, sk) == sk:
                    self.learn(fk, sk)
            for k, v in fixture.items():
                sk = self.to_sim.get(k, k)
                if sk in sim:
                    self.learn_tree(v, sim[sk], "%s.%s" % (path, k))
        elif isinstance(fixture, list) and isinstance(sim, list) and len(fixture) == len(sim):
            if unordered(path):
                fixture, sim = sorted(fixture, key=_sort_key), sorted(sim, key=_sort_key)
            for f, s in zip(fixture, sim):
                self.learn_tree(f, s, path + "[]")
        elif isinstance(fixture, str) and isinstance(sim, str):
            self.learn_strings(fixture, sim)

    def text_to_sim(self, text, encoded=False):
        for f in sorted(self.to_sim, key=len, reverse=True):
            s = self.to_sim[f]
            text = text.replace(f, s)
            if encoded:
                text = text.replace(quote(f, safe=""), quote(s, safe=""))
        return text

    def tree_to_fixture(self, value):
        if isinstance(value, dict):
            return {self._back(k): self.tree_to_fixture(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree_to_fixture(v) for v in value]
        if isinstance(value, str):
            return self._back(value)
        return value

    def _back(self, text):
        return ID_RE.sub(lambda m: self.to_fixture.get(m.group(0), m.group(0)), text)


def unordered(path):
    """Lists whose order Synapse does not define: sync state sections, /state."""
    return path.endswith("state.events") or path == "$"


def _sort_key(item):
    if isinstance(item, dict):
        return (str(item.get("type")), str(item.get("state_key")), json.dumps(item, sort_keys=True))
    return ("", "", json.dumps(item, sort_keys=True))


def compare(fixture, sim, path="$"):
    """Differences between the fixture's answer and the (translated) simulator's answer."""
    diffs = []
    if isinstance(fixture, dict):
        if not isinstance(sim, dict):
            return ["%s: expected an object, got %r" % (path, sim)]
        missing = [k for k in fixture if k not in sim]
        extra = [k for k in sim if k not in fixture]
        if missing or extra:
            diffs.append("%s: keys missing %s, unexpected %s" % (path, missing, extra))
        for k in fixture:
            if k in sim:
                if k in VOLATILE:
                    if type(fixture[k]) is not type(sim[k]):
                        diffs.append("%s.%s: type %s != %s" % (path, k, type(fixture[k]).__name__,
                                                               type(sim[k]).__name__))
                else:
                    diffs.extend(compare(fixture[k], sim[k], "%s.%s" % (path, k)))
        return diffs
    if isinstance(fixture, list):
        if not isinstance(sim, list) or len(sim) != len(fixture):
            return ["%s: expected a list of %d, got %s" % (
                path, len(fixture), len(sim) if isinstance(sim, list) else repr(sim))]
        if unordered(path):
            fixture, sim = sorted(fixture, key=_sort_key), sorted(sim, key=_sort_key)
        for i, (f, s) in enumerate(zip(fixture, sim)):
            diffs.extend(compare(f, s, "%s[%d]" % (path, i)))
        return diffs
    if fixture != sim or type(fixture) is not type(sim):
        diffs.append("%s: expected %r, got %r" % (path, fixture, sim))
    return diffs


class Sim:
    """The simulator as a child process on 127.0.0.1, port chosen by the OS."""

    def __init__(self, script, seed_file):
        self.proc = subprocess.Popen(["/usr/bin/python3", script, "--port", "0",
                                      "--seed", seed_file],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError("simulator did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(line.split()[1])

    def request(self, method, target, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            conn.request(method, target, body=data, headers=dict(headers or {}))
            resp = conn.getresponse()
            raw = resp.read()
            parsed = json.loads(raw) if raw else None
            return resp.status, resp.reason, resp.getheaders(), parsed
        finally:
            conn.close()

    def call(self, method, target, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        payload = json.dumps(body) if body is not None else None
        status, _, _, parsed = self.request(method, target, payload, headers)
        if status >= 400:
            raise RuntimeError("%s %s -> %d %r" % (method, target, status, parsed))
        return parsed

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
