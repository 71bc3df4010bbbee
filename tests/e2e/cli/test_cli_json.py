"""The real binary's --json output: every listing command has it, it parses, it says what the
text says, and the exit code does not depend on the format (README: 1 = finished with
conflicts or dead letters, 3 = a system unreachable)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

BINARY = os.environ.get("COOPSYNC_BINARY", "coopsync")
SECRET = "Sup3r-S3cret-Key-77"


def run(*args, env=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60, env=env)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CliJson(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="coopsync-cli-json-")
        self.store = os.path.join(self.dir, "store.db")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def config(self, systems="systems: {}\n"):
        path = os.path.join(self.dir, "coopsync.yaml")
        with open(path, "w") as f:
            f.write("store:\n  path: %s\n%s" % (self.store, systems))
        return path

    def test_connectors_list_json_matches_text(self):
        text = run("connectors", "list")
        self.assertEqual(text.returncode, 0, text.stderr)
        r = run("connectors", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        listed = json.loads(r.stdout)
        types = [c["type"] for c in listed]
        self.assertEqual(types, [line.split("\t")[0] for line in text.stdout.splitlines()])
        self.assertTrue({"odoo", "nextcloud", "matrix", "mobilizon"} <= set(types))
        odoo = next(c for c in listed if c["type"] == "odoo")
        self.assertIn("res.partner", odoo["summary"])
        self.assertTrue(odoo["kinds"]["person"]["read"])
        self.assertIn("email", odoo["kinds"]["person"]["fields"])
        matrix = next(c for c in listed if c["type"] == "matrix")
        self.assertIn("registration", [c["name"] for c in matrix["commands"]])

    def test_doctor_json_names_the_unreachable_system_and_exits_3(self):
        cfg = self.config(
            "systems:\n  erp:\n    type: odoo\n    url: http://127.0.0.1:%d\n"
            "    database: coop\n    username: a@b.c\n    api_key: ${COOPSYNC_TEST_KEY}\n"
            "    timeout: 5s\n" % closed_port())
        env = dict(os.environ, COOPSYNC_TEST_KEY=SECRET)
        text = run("doctor", "--config", cfg, env=env)
        self.assertEqual(text.returncode, 3, text.stdout + text.stderr)
        r = run("doctor", "--json", "--config", cfg, env=env)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        [erp] = json.loads(r.stdout)
        self.assertEqual((erp["system"], erp["type"], erp["ok"]), ("erp", "odoo", False))
        self.assertEqual(erp["error"]["kind"], "transient")
        self.assertIn("erp", erp["error"]["message"])
        self.assertNotIn(SECRET, r.stdout + r.stderr)

    def test_doctor_json_without_systems_is_an_empty_list(self):
        r = run("doctor", "--json", "--config", self.config())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [])

    def test_conflicts_exit_code_is_the_same_in_json_and_text(self):
        cfg = self.config()
        for args in (["conflicts"], ["conflicts", "--json"], ["conflicts", "list", "--json"]):
            r = run(*args, "--config", cfg)
            self.assertEqual(r.returncode, 0, (args, r.stdout, r.stderr))
        self.assertEqual(json.loads(run("conflicts", "--json", "--config", cfg).stdout), [])
        # An open conflict, as the engine records one (two people share an email address).
        subprocess.run(
            ["/usr/bin/python3", "-c",
             "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("
             "\"INSERT INTO conflicts(kind, system, external_id, candidates, reason, details,"
             " created_at, updated_at) VALUES('person', 'erp', '42', '[\\\"e1\\\",\\\"e2\\\"]',"
             " 'ambiguous_match', '{}', 1, 1)\"); c.commit()", self.store], check=True)
        text = run("conflicts", "--config", cfg)
        self.assertEqual(text.returncode, 1, text.stdout + text.stderr)
        self.assertIn("erp:42", text.stdout)
        for args in (["conflicts", "--json"], ["conflicts", "list", "--json"]):
            r = run(*args, "--config", cfg)
            self.assertEqual(r.returncode, 1, (args, r.stdout, r.stderr))
            [c] = json.loads(r.stdout)
            self.assertEqual((c["system"], c["external_id"], c["candidates"]),
                             ("erp", "42", ["e1", "e2"]))


if __name__ == "__main__":
    unittest.main()
