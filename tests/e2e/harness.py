"""End-to-end harness: a whole cooperative on 127.0.0.1 for one test or the demo.

    from harness import Cooperative
    with Cooperative(seed) as coop:          # seed: see tests/e2e/seed.py (build_seed)
        coop.sync("--dry-run")
        result = coop.sync()                 # the real coopsync binary, --json parsed
        people = coop.state("nextcloud")["users"]

Starts the Odoo, Nextcloud, Matrix and Mobilizon simulators (tests/sim/<name>/server.py)
and, on request, a real Radicale for CalDAV, each on a free port with its own temporary
state; writes a coopsync YAML config whose secrets are `${ENV}` references (the values
are only in the environment given to coopsync, never in the file); runs the binary
(COOPSYNC_BINARY, else build/coopsync); reads the servers back through /_sim/state; and
stops every process it started, failure or not (context manager, plus atexit).
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SIM_DIR = os.path.join(SOURCE_DIR, "tests", "sim")
PYTHON = "/usr/bin/python3"
START_TIMEOUT = 60.0   # a loaded 2-core machine; waiting for a port file is not a timed assertion
WAIT = 90.0            # upper bound of wait_for on a loaded machine; never a timing assertion

SYSTEMS = ("odoo", "nextcloud", "matrix", "mobilizon")


def binary_path():
    path = os.environ.get("COOPSYNC_BINARY") or os.path.join(SOURCE_DIR, "build", "coopsync")
    return os.path.abspath(path)


def wait_for(cond, what, timeout=WAIT, interval=0.05):
    """Polls cond() until it returns something true, and returns that; fails (AssertionError
    naming `what`) after `timeout` seconds. A bound for a loaded machine: what a test asserts
    is the condition, never how long it took."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("gave up waiting for " + what)


class HarnessError(RuntimeError):
    """A server did not start or answer, or coopsync failed in a way the caller asked to check."""


class SimProcess:
    """One simulator process on a free port, its log in the cooperative's temp dir."""

    def __init__(self, name, workdir, seed, extra_args=()):
        self.name = name
        self.workdir = workdir
        self.seed = seed
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = 0
        self.log_path = os.path.join(workdir, name + ".log")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        seed_path = os.path.join(self.workdir, self.name + "-seed.json")
        with open(seed_path, "w", encoding="utf-8") as f:
            json.dump(self.seed or {}, f, ensure_ascii=False)
        port_file = os.path.join(self.workdir, self.name + ".port")
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [PYTHON, os.path.join(SIM_DIR, self.name, "server.py"), "--port", "0",
                 "--port-file", port_file, "--seed", seed_path] + self.extra_args,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise HarnessError("%s simulator did not start: %s" % (self.name, self.log_tail()))
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        return self

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def control(self, path, body=None, method=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data,
                                     method=method or ("POST" if data is not None else "GET"))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read().decode("utf-8") or "null")
        except (urllib.error.URLError, OSError) as e:
            raise HarnessError("%s /_sim/%s: %s" % (self.name, path, e)) from None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.proc = None


def parse_json_output(stdout):
    """What `coopsync ... --json` printed: the whole output as JSON, else (one object a line)
    the last line that is; None when there is none."""
    text = stdout.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


class SyncResult:
    """One run of the coopsync binary."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.json = parse_json_output(stdout)

    def __repr__(self):
        return "<coopsync %s: exit %d>" % (" ".join(self.args), self.returncode)


class Cooperative:
    """The four systems (plus Radicale if asked), a config and the store in one temp dir.

    seed: {"odoo": {...}, "nextcloud": {...}, "matrix": {...}, "mobilizon": {...},
           "secrets": {...}, "config": {...}} as built by tests/e2e/seed.py.
    systems: the simulators to start (scripts/bench starts three); sim_args: {"odoo": [...
    more simulator options]}; prefix: of the temp dir's name.
    """

    def __init__(self, seed, radicale=False, keep=False, log_level="warn", systems=SYSTEMS,
                 sim_args=None, prefix="coopsync-e2e-"):
        self.seed = seed
        self.use_radicale = radicale
        self.keep = keep or os.environ.get("COOPSYNC_E2E_KEEP") == "1"
        self.log_level = log_level
        self.systems = tuple(systems)
        self.sim_args = dict(sim_args or {})
        self.prefix = prefix
        self.dir = None
        self.sims = {}
        self.radicale = None
        self.config_path = None
        self.env = None
        self.runs = []
        self._closed = False

    # --- lifecycle ------------------------------------------------------------------
    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        atexit.register(self.stop)
        for name in self.systems:
            self.sims[name] = SimProcess(name, self.dir, self.seed.get(name, {}),
                                         self.sim_args.get(name, ())).start()
        if self.use_radicale:
            sys.path.insert(0, SIM_DIR)
            import radicale as radicale_mod  # tests/sim/radicale.py
            if not radicale_mod.available():
                raise HarnessError("radicale is not installed (scripts/packages/test.txt)")
            user, password = self.seed["secrets"]["caldav_user"], self.seed["secrets"]["caldav_password"]
            self.radicale = radicale_mod.Radicale({user: password}).start()
        self.write_config()
        return self

    def stop(self):
        if self._closed:
            return
        self._closed = True
        for sim in self.sims.values():
            sim.stop()
        if self.radicale is not None:
            self.radicale.stop()
        if self.dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- config ---------------------------------------------------------------------
    def urls(self):
        return {name: sim.url for name, sim in self.sims.items()}

    def write_config(self):
        from seed import render_config  # tests/e2e/seed.py knows the seeded accounts
        urls = self.urls()
        if self.radicale is not None:
            urls["caldav"] = self.radicale.base_url + "/"
        self.config_path = os.path.join(self.dir, "coopsync.yaml")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(render_config(self.seed, urls, os.path.join(self.dir, "coopsync.db"),
                                  self.log_level))
        self.env = dict(os.environ)
        for key, value in self.seed["secrets"]["env"].items():
            self.env[key] = value
        return self.config_path

    # --- coopsync -------------------------------------------------------------------
    def run(self, *args, check=False, timeout=900):
        """Runs `coopsync <args> --config <file>`; returns a SyncResult."""
        argv = [binary_path()] + list(args)
        if "--config" not in args:
            argv += ["--config", self.config_path]
        try:
            p = subprocess.run(argv, env=self.env, cwd=self.dir, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise HarnessError("coopsync %s did not finish within %ds" % (" ".join(args), timeout)) from e
        result = SyncResult(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
                            p.stderr.decode("utf-8", "replace"))
        self.runs.append(result)
        if check and result.returncode != 0:
            raise HarnessError("coopsync %s exited %d:\n%s" % (" ".join(args), result.returncode,
                                                                result.stderr[-4000:]))
        return result

    def sync(self, *extra, check=False):
        return self.run("sync", "--json", *extra, check=check)

    # --- servers' state ---------------------------------------------------------------
    def state(self, system):
        return self.sims[system].control("state")

    def stats(self, system):
        return self.sims[system].control("stats")

    def reset_stats(self):
        for sim in self.sims.values():
            sim.control("stats", method="DELETE")

    def seed_more(self, system, data):
        return self.sims[system].control("seed", data)

    def caldav_files(self):
        """Radicale's stored items: {collection path: [ics text, ...]} (empty without it)."""
        out = {}
        if self.radicale is None:
            return out
        root = os.path.join(self.radicale.dir, "collections")
        for dirpath, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".Radicale")]   # its binary caches
            for name in files:
                if name.endswith(".ics"):
                    rel = os.path.relpath(dirpath, root)
                    with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                        out.setdefault(rel, []).append(f.read())
        return out

    def logs(self):
        return {name: sim.log_tail() for name, sim in self.sims.items()}


def run_tests():
    """The end of an e2e test file: unittest over the test file, or, without the coopsync
    binary, "skipped" and exit 77 (what ctest counts as skipped)."""
    if not os.access(binary_path(), os.X_OK):
        print("skipped: no coopsync binary at " + binary_path())
        sys.exit(77)
    import unittest
    unittest.main(module="__main__")


def secret_values(seed):
    """Every secret value of a seed: tests grep coopsync's output for them."""
    return [v for v in seed["secrets"]["env"].values() if v]


if __name__ == "__main__":   # smoke: start everything, print the URLs, stop
    sys.path.insert(0, HERE)
    from seed import build_seed
    with Cooperative(build_seed(members=10, events=4)) as c:
        print({n: s.url for n, s in c.sims.items()})
        print(open(c.config_path).read())
