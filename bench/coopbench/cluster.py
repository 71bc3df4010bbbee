"""The three simulators of one benchmark run (tests/e2e/harness.py's SimProcess), a config,
a store, and the coopsync binary measured with wait4 (its own wall, CPU and peak RSS)."""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from . import seed as bench_seed
from .paths import E2E_DIR, binary_path

sys.path.insert(0, E2E_DIR)
from harness import SimProcess  # noqa: E402


class Measured:
    """One finished coopsync run: exit code, wall seconds, CPU seconds, peak RSS (KiB)."""

    def __init__(self, args, code, wall, ru, stdout, stderr):
        self.args, self.code, self.wall = args, code, wall
        self.user, self.sys = ru.ru_utime, ru.ru_stime
        self.cpu = ru.ru_utime + ru.ru_stime
        self.maxrss_kib = ru.ru_maxrss
        self.stdout, self.stderr = stdout, stderr
        self.json = None
        try:
            self.json = json.loads(stdout)
        except ValueError:
            pass
        for line in ([] if self.json else reversed(stdout.strip().splitlines())):
            try:
                self.json = json.loads(line)
                break
            except ValueError:
                continue

    def figures(self):
        return {"wall_s": round(self.wall, 3), "cpu_user_s": round(self.user, 3),
                "cpu_sys_s": round(self.sys, 3), "cpu_s": round(self.cpu, 3),
                "cpu_over_wall": round(self.cpu / self.wall, 4) if self.wall else None,
                "peak_rss_mib": round(self.maxrss_kib / 1024.0, 1), "exit": self.code,
                "writes": (self.json or {}).get("writes")}


def wait_measured(proc, timeout):
    """wait4 on exactly this child: its rusage, not the sum of every child's."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return ru
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, ru = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise RuntimeError("coopsync did not finish within %ds" % timeout)
        time.sleep(0.01)


class Cluster:
    """Odoo, Nextcloud and Matrix simulators seeded with `data` (bench seed.build)."""

    def __init__(self, data, poll_interval="60s", keep=False, sim_args=None):
        self.data = data
        self.poll_interval = poll_interval
        self.keep = keep
        self.sim_args = sim_args or {}
        self.dir = None
        self.sims = {}
        self.config_path = None
        self.env = bench_seed.env()

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
        self.dir = tempfile.mkdtemp(prefix="coopsync-bench-")
        for name in bench_seed.SYSTEMS:
            self.sims[name] = SimProcess(name, self.dir, self.data[name],
                                         self.sim_args.get(name, ())).start()
        self.write_config()
        return self

    def stop(self):
        for sim in self.sims.values():
            sim.stop()
        self.sims = {}
        if self.dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def urls(self):
        return {name: sim.url for name, sim in self.sims.items()}

    def write_config(self, daemon=None):
        self.config_path = os.path.join(self.dir, "coopsync.yaml")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(bench_seed.render_config(self.urls(), os.path.join(self.dir, "coopsync.db"),
                                             self.poll_interval, daemon))
        return self.config_path

    def run(self, *args, timeout=7200):
        argv = [binary_path()] + list(args) + ["--config", self.config_path]
        out_path = os.path.join(self.dir, "coopsync.out")
        err_path = os.path.join(self.dir, "coopsync.err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.monotonic()
            proc = subprocess.Popen(argv, env=self.env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)
            ru = wait_measured(proc, timeout)
            wall = time.monotonic() - start
        with open(out_path, encoding="utf-8", errors="replace") as f:
            stdout = f.read()
        with open(err_path, encoding="utf-8", errors="replace") as f:
            stderr = f.read()
        return Measured(args, proc.returncode, wall, ru, stdout, stderr)

    def state(self, system):
        return self.sims[system].control("state")

    def requests(self):
        """Requests each simulator served (control endpoints excluded)."""
        return {name: sim.control("stats").get("requests", 0) for name, sim in self.sims.items()}

    def reset_stats(self):
        for sim in self.sims.values():
            sim.control("stats", method="DELETE")


def children_maxrss_mib():
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0, 1)
