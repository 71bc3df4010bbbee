"""The three simulators of one benchmark run, a config and a store: the e2e harness's
Cooperative (tests/e2e/harness.py) with the benchmark's seed and config, and the coopsync
binary measured with wait4 (its own wall, CPU and peak RSS)."""
import os
import subprocess
import time

from . import seed as bench_seed
from .paths import binary_path
from harness import Cooperative, parse_json_output  # noqa: E402  (tests/e2e, see paths)


class Measured:
    """One finished coopsync run: exit code, wall seconds, CPU seconds, peak RSS (KiB)."""

    def __init__(self, args, code, wall, ru, stdout, stderr):
        self.args, self.code, self.wall = args, code, wall
        self.user, self.sys = ru.ru_utime, ru.ru_stime
        self.cpu = ru.ru_utime + ru.ru_stime
        self.maxrss_kib = ru.peak_kib
        self.stdout, self.stderr = stdout, stderr
        self.json = parse_json_output(stdout)

    def figures(self):
        return {"wall_s": round(self.wall, 3), "cpu_user_s": round(self.user, 3),
                "cpu_sys_s": round(self.sys, 3), "cpu_s": round(self.cpu, 3),
                "cpu_over_wall": round(self.cpu / self.wall, 4) if self.wall else None,
                "peak_rss_mib": round(self.maxrss_kib / 1024.0, 1), "exit": self.code,
                "writes": (self.json or {}).get("writes")}


def peak_rss_kib(pid):
    """The process's own peak RSS so far (VmHWM), or None once it is gone. Not wait4's
    ru_maxrss: Linux carries the pre-exec high-water mark over execve, so a child forked
    from this Python process reports at least this process's size (95 MiB after reading a
    10,000-member outcome, for a no-op pass that peaked at 52.7)."""
    try:
        with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Usage:
    """wait4's rusage (CPU times) and the peak RSS read from /proc while the child ran."""

    def __init__(self, ru, peak_kib):
        self.ru_utime, self.ru_stime = ru.ru_utime, ru.ru_stime
        self.peak_kib = peak_kib or 0


def wait_measured(proc, timeout):
    """wait4 on exactly this child (its CPU, not the sum of every child's), sampling its
    VmHWM every 10 ms meanwhile (monotonic: a peak in the last 10 ms can be missed)."""
    deadline = time.monotonic() + timeout
    peak = 0
    while True:
        hwm = peak_rss_kib(proc.pid)
        if hwm:
            peak = max(peak, hwm)
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return Usage(ru, peak)
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, ru = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise RuntimeError("coopsync did not finish within %ds" % timeout)
        time.sleep(0.01)


class Cluster(Cooperative):
    """Odoo, Nextcloud and Matrix simulators seeded with `data` (bench seed.build); the
    harness starts, reads and stops them."""

    def __init__(self, data, poll_interval="60s", keep=False, sim_args=None):
        super().__init__(data, keep=keep, systems=bench_seed.SYSTEMS, sim_args=sim_args,
                         prefix="coopsync-bench-")
        self.poll_interval = poll_interval
        self.env = bench_seed.env()

    def write_config(self, daemon=None):
        self.config_path = os.path.join(self.dir, "coopsync.yaml")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(bench_seed.render_config(self.urls(), os.path.join(self.dir, "coopsync.db"),
                                             self.poll_interval, daemon))
        return self.config_path

    def measure(self, *args, timeout=7200):
        """Runs `coopsync <args> --config <file>` to its end; returns a Measured."""
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

    def requests(self):
        """Requests each simulator served (control endpoints excluded)."""
        return {name: sim.control("stats").get("requests", 0) for name, sim in self.sims.items()}
