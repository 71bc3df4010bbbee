"""Starts the Mobilizon simulator on a free loopback port and talks to it (for contract tests)."""
import copy
import json
import os
import subprocess
import urllib.error
import urllib.request

import mobilizon_testlib as lib

SEED_FILE = os.path.join(lib.SIM_DIR, "seed_examples.json")


def load_seed():
    with open(SEED_FILE, encoding="utf-8") as f:
        return json.load(f)


class Sim:
    def __init__(self):
        self.proc = subprocess.Popen([lib.node(), os.path.join(lib.SIM_DIR, "server.js"), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING "):
            self.proc.kill()
            raise RuntimeError("simulator did not start: %r %s" % (line, self.proc.stderr.read()))
        self.base = "http://127.0.0.1:%d" % int(line.split()[1])

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def http(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read().decode("utf-8") or "null")
        except urllib.error.HTTPError as e:
            raw = e.read().decode("utf-8")
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw

    def seed(self, state):
        status, _ = self.http("POST", "/_sim/seed", copy.deepcopy(state))
        assert status == 200

    def graphql(self, query, variables=None, token=None, operation=None):
        body = {"query": query, "variables": variables or {}}
        if operation:
            body["operationName"] = operation
        headers = {"Authorization": "Bearer " + token} if token else {}
        return self.http("POST", "/api", body, headers)

    def login(self, email="bridge@example.coop", password="correct horse battery staple"):
        status, body = self.graphql(
            "mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }",
            {"e": email, "p": password})
        assert status == 200 and "errors" not in body, body
        return body["data"]["login"]
