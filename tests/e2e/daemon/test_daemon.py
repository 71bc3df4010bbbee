"""`coopsync daemon`: the real binary on 127.0.0.1 (port 0, --port-file) with a temporary
config and store. Every wait is bounded and polls a condition; nothing asserts on time.

What it proves: /healthz and /metrics answer and parse (Prometheus 0.0.4 text); webhooks are
refused without or with a wrong secret and trigger a pass with it; the control API needs
the bearer token and answers with the pass report; a token file others can read, or a
non-loopback listen address, stops the start; SIGHUP with a broken config keeps the old
one, with a good one applies it; SIGTERM exits 0; no configured secret reaches the logs.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import binary_path, wait_for  # noqa: E402

BINARY = binary_path()
WAIT = 60.0  # upper bound of a request or an exit on a loaded machine; never a timing assertion

WEBHOOK_SECRET = "whs-7c1f0e2b9a4d4e61b3aa58f0d2c6e913"
NEW_WEBHOOK_SECRET = "whs-new-5b2d8e7f10a94c3e9d61aa0b7c4f2e88"
CONTROL_TOKEN = "ctl-0f9e8d7c6b5a49382716aabbccddeeff"
ODOO_KEY = "odoo-key-3d9f1a7c5e2b4680"
SECRETS = (WEBHOOK_SECRET, NEW_WEBHOOK_SECRET, CONTROL_TOKEN, ODOO_KEY)

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? '
                    r'(-?[0-9.eE+-]+|\+Inf|NaN)$')


def has_odoo():
    out = subprocess.run([BINARY, "connectors", "list"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=WAIT).stdout.decode()
    return re.search(r"^\s*odoo\b", out, re.M) is not None


class Daemon:
    def __init__(self, with_odoo=False, secret_var="COOPSYNC_TEST_WEBHOOK_SECRET"):
        self.dir = tempfile.mkdtemp(prefix="coopsync-daemon-")
        self.token_file = os.path.join(self.dir, "control.token")
        with open(self.token_file, "w") as f:
            f.write(CONTROL_TOKEN + "\n")
        os.chmod(self.token_file, 0o600)
        self.port_file = os.path.join(self.dir, "port")
        self.config = os.path.join(self.dir, "coopsync.yaml")
        self.with_odoo = with_odoo
        self.env = dict(os.environ, COOPSYNC_TEST_WEBHOOK_SECRET=WEBHOOK_SECRET,
                        COOPSYNC_TEST_NEW_SECRET=NEW_WEBHOOK_SECRET, COOPSYNC_TEST_ODOO_KEY=ODOO_KEY)
        self.write_config(secret_var)
        self.proc = None
        self.port = None

    def write_config(self, secret_var, listen="127.0.0.1:0", extra=""):
        systems = "systems: {}\n"
        if self.with_odoo:
            # Port 1 is closed: the system is unavailable, but its passes still happen.
            systems = ("systems:\n  erp:\n    type: odoo\n    poll_interval: 1h\n"
                       "    kinds:\n      person: {}\n"
                       "    url: http://127.0.0.1:1\n    database: coop\n"
                       "    api_key: ${COOPSYNC_TEST_ODOO_KEY}\n")
        text = ("store:\n  path: %s\ndaemon:\n  listen: %s\n  control_token_file: %s\n"
                "  webhook_secret: ${%s}\nlogging:\n  format: text\n  level: info\n%s%s"
                % (os.path.join(self.dir, "coopsync.db"), listen, self.token_file, secret_var,
                   extra, systems))
        tmp = self.config + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config)

    def start(self, *extra_args):
        self.out = open(os.path.join(self.dir, "stdout"), "wb")
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen([BINARY, "daemon", "--config", self.config, "--port-file",
                                      self.port_file] + list(extra_args),
                                     env=self.env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err)
        return self

    def wait_up(self):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited %d:\n%s" % (self.proc.returncode, self.logs()))
            try:
                with open(self.port_file) as f:
                    self.port = int(f.read().strip())
            except (OSError, ValueError):
                return False
            status, _ = self.request("GET", "/healthz")
            return status == 200
        wait_for(ready, "the daemon's /healthz")
        return self

    def request(self, method, path, headers=None, body=b""):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     headers=headers or {}, data=body if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=WAIT) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except (urllib.error.URLError, ConnectionError):
            return None, ""

    def metrics(self):
        status, text = self.request("GET", "/metrics")
        assert status == 200, status
        samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = SAMPLE.match(line)
            assert m, "not Prometheus text: %r" % line
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
        return text, samples

    def logs(self):
        text = ""
        for name in ("stdout", "stderr"):
            try:
                with open(os.path.join(self.dir, name), encoding="utf-8", errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class DaemonTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(BINARY):
            self.skipTest("no coopsync binary at " + BINARY)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
            logs = d.logs()
            for secret in SECRETS:
                self.assertNotIn(secret, logs, "a secret reached the daemon's output")
            d.cleanup()

    def daemon(self, **kw):
        d = Daemon(**kw)
        self.daemons.append(d)
        return d

    def test_healthz_and_metrics_answer_and_parse(self):
        d = self.daemon().start().wait_up()
        status, body = d.request("GET", "/healthz")
        self.assertEqual(status, 200)
        health = json.loads(body)
        self.assertEqual(health["store"], "ok")
        self.assertEqual(health["systems"], {})
        text, samples = d.metrics()
        self.assertIn("# TYPE coopsync_passes_total counter", text)
        self.assertIn("# TYPE coopsync_http_request_duration_seconds histogram", text)
        self.assertIn("coopsync_open_conflicts", samples)
        self.assertEqual(d.request("GET", "/nowhere")[0], 404)
        self.assertEqual(d.request("POST", "/healthz")[0], 405)

    def test_oversized_request_is_refused(self):
        d = self.daemon().start().wait_up()
        status, _ = d.request("POST", "/webhook/erp", {"X-Coopsync-Secret": WEBHOOK_SECRET},
                              b"x" * (256 * 1024))
        self.assertIn(status, (413, None))  # refused, or connection closed mid-upload
        self.assertEqual(d.request("GET", "/healthz")[0], 200)

    def test_control_api_needs_the_token_and_runs_a_pass(self):
        d = self.daemon().start().wait_up()
        self.assertEqual(d.request("POST", "/control/sync")[0], 401)
        self.assertEqual(d.request("POST", "/control/sync", {"Authorization": "Bearer wrong"})[0], 401)
        self.assertEqual(d.request("POST", "/control/sync", {"Authorization": CONTROL_TOKEN})[0], 401)
        before = d.metrics()[1]["coopsync_daemon_passes_total"]
        status, body = d.request("POST", "/control/sync", {"Authorization": "Bearer " + CONTROL_TOKEN})
        self.assertEqual(status, 200, body)
        report = json.loads(body)
        self.assertEqual(report["writes"], 0)
        self.assertGreater(d.metrics()[1]["coopsync_daemon_passes_total"], before)

    def test_webhook_refused_without_the_secret(self):
        d = self.daemon().start().wait_up()
        self.assertEqual(d.request("POST", "/webhook/erp")[0], 401)
        self.assertEqual(d.request("POST", "/webhook/erp", {"X-Coopsync-Secret": "wrong"})[0], 401)
        self.assertEqual(d.request("POST", "/webhook/erp", {"X-Coopsync-Secret": WEBHOOK_SECRET[:-1]})[0], 401)
        # Authenticated, but there is no such system.
        self.assertEqual(d.request("POST", "/webhook/erp", {"X-Coopsync-Secret": WEBHOOK_SECRET})[0], 404)

    def test_webhook_with_the_secret_triggers_a_pass(self):
        if not has_odoo():
            self.skipTest("this build has no odoo connector")
        d = self.daemon(with_odoo=True).start().wait_up()
        key = 'coopsync_passes_total{system="erp"}'
        # The start-up pass first (the system is down: its state says so).
        wait_for(lambda: d.metrics()[1].get(key, 0) >= 1, "the first pass")
        health = json.loads(d.request("GET", "/healthz")[1])
        self.assertIn(health["systems"]["erp"]["state"], ("unavailable", "failing"))
        before = d.metrics()[1][key]
        self.assertEqual(d.request("POST", "/webhook/erp", {"X-Coopsync-Secret": "nope"})[0], 401)
        status, _ = d.request("POST", "/webhook/erp", {"X-Coopsync-Secret": WEBHOOK_SECRET})
        self.assertEqual(status, 202)
        wait_for(lambda: d.metrics()[1].get(key, 0) > before, "the webhook's pass")

    def test_sighup_refuses_a_broken_config_and_applies_a_good_one(self):
        d = self.daemon().start().wait_up()
        hdr_old = {"X-Coopsync-Secret": WEBHOOK_SECRET}
        hdr_new = {"X-Coopsync-Secret": NEW_WEBHOOK_SECRET}
        d.write_config("COOPSYNC_TEST_NEW_SECRET", extra="bogus_key: 1\n")
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "refused" in d.logs(), "the reload to be refused")
        self.assertIn("bogus_key", d.logs())
        self.assertIsNone(d.proc.poll())
        self.assertEqual(d.request("GET", "/healthz")[0], 200)
        self.assertEqual(d.request("POST", "/webhook/x", hdr_old)[0], 404)  # old secret still in force
        self.assertEqual(d.request("POST", "/webhook/x", hdr_new)[0], 401)

        d.write_config("COOPSYNC_TEST_NEW_SECRET")
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: d.request("POST", "/webhook/x", hdr_new)[0] == 404, "the new secret")
        self.assertEqual(d.request("POST", "/webhook/x", hdr_old)[0], 401)
        self.assertEqual(d.request("GET", "/healthz")[0], 200)

    def test_sigterm_exits_zero(self):
        d = self.daemon().start().wait_up()
        d.proc.send_signal(signal.SIGTERM)
        self.assertEqual(d.proc.wait(timeout=WAIT), 0)
        self.assertIn("stopped", d.logs())

    def test_token_file_readable_by_others_stops_the_start(self):
        d = self.daemon()
        os.chmod(d.token_file, 0o644)
        d.start()
        self.assertEqual(d.proc.wait(timeout=WAIT), 2)
        self.assertIn("chmod 600", d.logs())

    def test_non_loopback_listen_stops_the_start(self):
        d = self.daemon()
        d.write_config("COOPSYNC_TEST_WEBHOOK_SECRET", listen="0.0.0.0:0")
        d.start()
        self.assertEqual(d.proc.wait(timeout=WAIT), 2)
        self.assertIn("--allow-non-loopback", d.logs())


if __name__ == "__main__":
    unittest.main()
