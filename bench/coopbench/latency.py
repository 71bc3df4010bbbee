"""Incremental latency with `coopsync daemon` running (every system polled every
`poll_interval`): a rename in Odoo until the new name shows in Nextcloud and Matrix, and a
member leaving a Matrix room (read through /sync) until Nextcloud's group and Odoo's tag
no longer hold them. Each change waits a random part of the poll interval first, so changes
do not lock onto the daemon's timer; each observer polls one small record (one request)."""
import base64
import json
import os
import random
import signal
import subprocess
import time
import urllib.error
import urllib.request
import xmlrpc.client
from urllib.parse import quote

from . import seed as bench_seed
from .cluster import wait_measured
from .paths import binary_path

WAIT = 60.0          # give up on one change after this (counted as missed, never hidden)
POLL = 0.02          # observers' period


def percentile(values, p):
    """Nearest-rank percentile of the samples (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-p * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(samples):
    got = [s for s in samples if s is not None]
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {"n": len(samples), "missed": len(samples) - len(got), "p50_s": r(percentile(got, 50)),
            "p99_s": r(percentile(got, 99)), "max_s": r(max(got) if got else None)}


class Observers:
    """Cheap reads of one record in each system, through their public APIs."""

    def __init__(self, urls):
        sec = bench_seed.secrets()
        self.urls = urls
        self.nc_auth = "Basic " + base64.b64encode(
            ("admin:" + sec["COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD"]).encode()).decode()
        self.mx_auth = "Bearer " + sec["COOPSYNC_E2E_MATRIX_TOKEN"]
        self.odoo_key = sec["COOPSYNC_E2E_ODOO_API_KEY"]
        self.odoo = xmlrpc.client.ServerProxy(urls["odoo"] + "/xmlrpc/2/object", allow_none=True)
        common = xmlrpc.client.ServerProxy(urls["odoo"] + "/xmlrpc/2/common", allow_none=True)
        self.odoo_uid = common.authenticate("coop", "admin", self.odoo_key, {})

    def _get(self, url, auth, extra=None):
        req = urllib.request.Request(url, headers=dict({"Authorization": auth}, **(extra or {})))
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read().decode("utf-8"))

    def odoo_call(self, model, method, args, kw=None):
        return self.odoo.execute_kw("coop", self.odoo_uid, self.odoo_key, model, method, args,
                                    kw or {})

    def nc_user(self, uid):
        return self._get("%s/ocs/v2.php/cloud/users/%s?format=json" % (self.urls["nextcloud"],
                                                                      quote(uid)),
                         self.nc_auth, {"OCS-APIRequest": "true"})["ocs"]["data"]

    def mx_displayname(self, user_id):
        try:
            return self._get("%s/_matrix/client/v3/profile/%s" % (self.urls["matrix"],
                                                                 quote(user_id)),
                             self.mx_auth).get("displayname")
        except urllib.error.HTTPError:
            return None


def wait_all(start, checks):
    """Polls every not-yet-true check until all are true or WAIT passes; returns each one's
    latency from `start` (None: not seen within WAIT)."""
    seen = {name: None for name in checks}
    while time.monotonic() - start < WAIT:
        for name, check in checks.items():
            if seen[name] is None and check():
                seen[name] = time.monotonic() - start
        if all(v is not None for v in seen.values()):
            break
        time.sleep(POLL)
    return seen


class Daemon:
    """`coopsync daemon` on the cluster's config (rewritten with a daemon section)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.token_file = os.path.join(cluster.dir, "control.token")
        with open(self.token_file, "w") as f:
            f.write("bench-" + os.urandom(16).hex() + "\n")
        os.chmod(self.token_file, 0o600)
        self.port_file = os.path.join(cluster.dir, "daemon.port")
        cluster.write_config(daemon=("127.0.0.1:0", self.token_file))
        self.proc = None
        self.port = None
        self.started = None

    def start(self):
        self.log = open(os.path.join(self.cluster.dir, "daemon.log"), "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary_path(), "daemon", "--config", self.cluster.config_path,
                                      "--port-file", self.port_file], env=self.cluster.env,
                                     cwd=self.cluster.dir, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited %d: %s" % (self.proc.returncode, self.log_tail()))
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            time.sleep(0.05)
        names = ("odoo", "cloud", "chat")
        while time.monotonic() < deadline:   # every system has had its first pass
            samples = self.metrics()
            if all(samples.get('coopsync_passes_total{system="%s"}' % n, 0) >= 1 for n in names):
                return self
            time.sleep(0.1)
        raise RuntimeError("daemon: no first pass within 120 s: " + self.log_tail())

    def metrics(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port, timeout=30) as r:
                text = r.read().decode()
        except (urllib.error.URLError, OSError):
            return {}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                try:
                    out[key] = float(value)
                except ValueError:
                    pass
        return out

    def log_tail(self):
        try:
            with open(os.path.join(self.cluster.dir, "daemon.log"), "rb") as f:
                return f.read()[-3000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM; returns the daemon's own figures (wall, CPU, peak RSS) from wait4."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        ru = wait_measured(self.proc, 120)
        wall = time.monotonic() - self.started
        code = self.proc.returncode
        self.log.close()
        self.proc = None
        return {"exit": code, "wall_s": round(wall, 3),
                "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
                "peak_rss_mib": round(ru.peak_kib / 1024.0, 1)}


def prepare_leavers(cluster, people, count):
    """`count` members (from the end of the list) join their community's room in their own
    client, before the daemon starts; their later leave is the /sync change."""
    mx = cluster.state("matrix")
    room_of = {}
    for rid, r in mx["rooms"].items():
        for alias in r["aliases"]:
            room_of[alias] = rid
    chosen = people[len(people) - count:]
    for p in chosen:
        alias = "#coop_%s:%s" % (bench_seed.group_slug(p["group"]), bench_seed.SERVER_NAME)
        cluster.sims["matrix"].control("act", {"user_id": "@%s:%s" % (p["local"],
                                                                      bench_seed.SERVER_NAME),
                                               "room_id": room_of[alias], "action": "join"})
    return chosen, room_of


def over_budget(deadline):
    return deadline is not None and time.monotonic() > deadline


def odoo_renames(cluster, obs, people, count, poll_s, rng, progress, deadline=None):
    ids = {r["email"]: r["id"] for r in obs.odoo_call(
        "res.partner", "search_read", [[["email", "in", [p["email"] for p in people[:count]]]]],
        {"fields": ["email"]})}
    samples = {"nextcloud": [], "matrix": [], "both": []}
    for k, p in enumerate(people[:count]):
        if over_budget(deadline):
            progress("odoo renames: time budget spent after %d changes" % k)
            break
        time.sleep(rng.uniform(0, poll_s))
        new_name = "%s R%d" % (p["name"], k)
        obs.odoo_call("res.partner", "write", [[ids[p["email"]]], {"name": new_name}])
        start = time.monotonic()
        uid = p["local"]
        mxid = "@%s:%s" % (uid, bench_seed.SERVER_NAME)
        seen = wait_all(start, {
            "nextcloud": lambda: obs.nc_user(uid)["displayname"] == new_name,
            "matrix": lambda: obs.mx_displayname(mxid) == new_name})
        for name, v in seen.items():
            samples[name].append(v)
        samples["both"].append(None if None in seen.values() else max(seen.values()))
        progress("odoo rename %d/%d: %s" % (k + 1, count, seen))
    return {name: summary(v) for name, v in samples.items()}


def matrix_leaves(cluster, obs, leavers, room_of, poll_s, rng, progress, deadline=None):
    tag_of = {}
    for g in {p["group"] for p in leavers}:
        tag_of[g] = bench_seed.FIRST_GROUP_TAG_ID + g
    ids = {r["email"]: r["id"] for r in obs.odoo_call(
        "res.partner", "search_read", [[["email", "in", [p["email"] for p in leavers]]]],
        {"fields": ["email"]})}
    samples = {"nextcloud": [], "odoo": [], "both": []}
    for k, p in enumerate(leavers):
        if over_budget(deadline):
            progress("matrix leaves: time budget spent after %d changes" % k)
            break
        time.sleep(rng.uniform(0, poll_s))
        slug = bench_seed.group_slug(p["group"])
        alias = "#coop_%s:%s" % (slug, bench_seed.SERVER_NAME)
        cluster.sims["matrix"].control("act", {"user_id": "@%s:%s" % (p["local"],
                                                                      bench_seed.SERVER_NAME),
                                               "room_id": room_of[alias], "action": "leave"})
        start = time.monotonic()
        pid, tag, uid = ids[p["email"]], tag_of[p["group"]], p["local"]
        seen = wait_all(start, {
            "nextcloud": lambda: slug not in obs.nc_user(uid)["groups"],
            "odoo": lambda: tag not in obs.odoo_call("res.partner", "read", [[pid]],
                                                     {"fields": ["category_id"]})[0]["category_id"]})
        for name, v in seen.items():
            samples[name].append(v)
        samples["both"].append(None if None in seen.values() else max(seen.values()))
        progress("matrix leave %d/%d: %s" % (k + 1, len(leavers), seen))
    return {name: summary(v) for name, v in samples.items()}


def run(cluster, people, changes, poll_s, progress, seed=7, budget_s=None):
    """Starts the daemon on an already synced cluster, measures both paths, stops it.
    With `budget_s`, each path stops taking new changes once half the budget is spent
    (the number actually measured is in the results)."""
    rng = random.Random(seed)
    count = min(changes, len(people) // 2)
    leavers, room_of = prepare_leavers(cluster, people, count)
    obs = Observers(cluster.urls())
    daemon = Daemon(cluster).start()
    try:
        half = None if budget_s is None else budget_s / 2.0
        deadline = None if half is None else time.monotonic() + half
        polling = odoo_renames(cluster, obs, people, count, poll_s, rng, progress, deadline)
        deadline = None if half is None else time.monotonic() + half
        sync = matrix_leaves(cluster, obs, leavers, room_of, poll_s, rng, progress, deadline)
        metrics = daemon.metrics()
    finally:
        figures = daemon.stop()
    kept = ("coopsync_daemon_passes_total", "coopsync_passes_total", "coopsync_records_read",
            "coopsync_records_written", "coopsync_http_request_duration_seconds_sum",
            "coopsync_http_request_duration_seconds_count")
    return {"odoo_poll": polling, "matrix_sync": sync, "daemon": figures, "changes": count,
            "daemon_metrics": {k: v for k, v in metrics.items() if k.startswith(kept)}}
