"""The real binary on bad input: a clear error naming what and where, exit code 2, and
nothing written (the store file is left byte for byte as it was)."""
import os
import shutil
import subprocess
import tempfile
import unittest

BINARY = os.environ.get("COOPSYNC_BINARY", "coopsync")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def run(*args, env=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60, env=env)


class CliErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="coopsync-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"coopsync \d+\.\d+\.\d+")

    def test_unknown_command_is_usage_error(self):
        self.assertEqual(run("frobnicate").returncode, 2)

    def test_malformed_yaml_names_file_line_column(self):
        cfg = self.write("bad.yaml", "store:\n  path: [unclosed\n")
        r = run("config", "validate", cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.yaml:", r.stderr)
        self.assertRegex(r.stderr, r"bad\.yaml:\d+:\d+")

    def test_all_problems_reported_at_once(self):
        cfg = self.write("three.yaml", "store:\n  path: x.db\n  colour: blue\nengine:\n  page_size: lots\nsystems:\n  a:\n    enabled: true\n")
        r = run("config", "validate", cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("colour", r.stderr)        # unknown key
        self.assertIn("page_size", r.stderr)     # wrong type
        self.assertIn("type", r.stderr)          # missing required key
        self.assertGreaterEqual(len([l for l in r.stderr.splitlines() if "three.yaml:" in l]), 3)

    def test_secret_never_echoed(self):
        secret = "Sup3r-S3cret-Value-42"
        cfg = self.write("sec.yaml", "store:\n  path: x.db\n  dsn: ${COOPSYNC_TEST_DSN}\n  colour: %s\n" % secret)
        env = dict(os.environ, COOPSYNC_TEST_DSN=secret)
        r = run("config", "validate", cfg, env=env)
        self.assertEqual(r.returncode, 2)
        self.assertNotIn(secret, r.stdout + r.stderr)

    def store_config(self, store_path):
        return self.write("ok.yaml", "store:\n  path: %s\nsystems: {}\n" % store_path)

    def test_store_that_is_not_sqlite_is_refused_untouched(self):
        store = self.write("store.db", "this is not a database\n" * 10)
        before = read_bytes(store)
        r = run("status", "--config", self.store_config(store))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(store, r.stderr)
        self.assertEqual(read_bytes(store), before)

    def test_store_from_a_newer_schema_is_refused_untouched(self):
        store = os.path.join(self.dir, "store.db")
        self.assertEqual(run("status", "--config", self.store_config(store)).returncode, 0)
        subprocess.run(["/usr/bin/python3", "-c",
                        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=999'); c.commit()",
                        store], check=True)
        before = read_bytes(store)
        r = run("status", "--config", self.store_config(store))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("999", r.stderr)
        self.assertEqual(read_bytes(store), before)

    def test_store_file_is_private(self):
        store = os.path.join(self.dir, "fresh.db")
        self.assertEqual(run("status", "--config", self.store_config(store)).returncode, 0)
        self.assertEqual(os.stat(store).st_mode & 0o777, 0o600)


if __name__ == "__main__":
    unittest.main()
