"""Targets, the results document and the table printed on stdout."""
import os
import platform
import subprocess
import time

from .paths import SOURCE_DIR, binary_path

MIB = 96


def git(*args):
    try:
        return subprocess.run(["git", "-C", SOURCE_DIR] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=30).stdout.decode().strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine():
    binary = binary_path()
    try:
        built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(binary)))
    except OSError:
        built = None
    return {"host_cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "loadavg_start": list(os.getloadavg()),
            "git_commit": git("rev-parse", "HEAD"),
            "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "binary": binary, "binary_mtime": built}


def targets(res, poll_s):
    """Each target with the measured figure and whether it is met (None: not measured)."""
    out = []

    def add(name, measured, limit, ok):
        out.append({"target": name, "measured": measured, "limit": limit,
                    "met": None if measured is None else ok(measured)})

    init = res["initial"]
    add("initial sync wall / floor wall", init.get("ratio_to_floor"), 1.5, lambda v: v <= 1.5)
    add("coopsync CPU / wall (initial sync)", init["coopsync"]["cpu_over_wall"], 0.15,
        lambda v: v < 0.15)
    add("no-op pass wall (s)", res["noop"]["coopsync"]["wall_s"], 3.0, lambda v: v < 3.0)
    lat = res.get("latency") or {}
    sync_p99 = ((lat.get("matrix_sync") or {}).get("both") or {}).get("p99_s")
    poll_p99 = ((lat.get("odoo_poll") or {}).get("both") or {}).get("p99_s")
    add("/sync path p99 (s)", sync_p99, 1.0, lambda v: v < 1.0)
    add("polling path p99 (s)", poll_p99, poll_s + 1.0, lambda v: v < poll_s + 1.0)
    add("peak RSS (MiB)", res["peak_rss_mib"], MIB, lambda v: v < MIB)
    return out


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        return ("%.3f" % v).rstrip("0").rstrip(".") + unit
    return str(v) + unit


def table(res):
    lines = []
    cfg = res["config"]
    lines.append("coopsync benchmark: %d members, %d groups, %d changes, poll %ss (%s)"
                 % (cfg["members"], cfg["groups"], cfg["changes"], fmt(cfg["poll_interval_s"]),
                    res["date"]))
    lines.append("")
    row = "%-34s %10s %10s %10s %10s %9s"
    lines.append(row % ("phase", "wall s", "cpu s", "cpu/wall", "rss MiB", "requests"))
    init, noop = res["initial"], res["noop"]
    for name, ph in (("initial sync: coopsync", init["coopsync"]),
                     ("no-op pass: coopsync", noop["coopsync"])):
        req = sum((ph.get("requests") or {}).values()) or None
        lines.append(row % (name, fmt(ph["wall_s"]), fmt(ph["cpu_s"]), fmt(ph["cpu_over_wall"]),
                            fmt(ph["peak_rss_mib"]), fmt(req)))
    if init.get("floor"):
        f = init["floor"]
        lines.append(row % ("initial sync: floor (raw HTTP)", fmt(f["wall_s"]), "-", "-", "-",
                            fmt(sum(f["calls"].values()))))
        lines.append("  coopsync / floor: %s   (outcome identical: %s)"
                     % (fmt(init.get("ratio_to_floor")), init.get("outcome_matches_floor")))
        if len(init.get("pairs") or []) > 1:
            lines.append("  fastest of each shown; every pair (coopsync s / floor s): " + ", ".join(
                "%s / %s" % (fmt(p["coopsync_wall_s"]), fmt(p["floor_wall_s"]))
                for p in init["pairs"]))
    for ph_name in ("initial", "noop"):
        ph = res[ph_name]["coopsync"]
        if ph.get("store_s") is not None:
            lines.append("  %s: %s s in %s calls into the store (SQLite), %s of wall"
                         % (ph_name, fmt(ph["store_s"]), fmt(ph["store_calls"]),
                            fmt(round(ph["store_s"] / ph["wall_s"], 3) if ph["wall_s"] else None)))
        req = ph.get("requests")
        if req:
            lines.append("  %s requests per system: %s" % (ph_name, ", ".join(
                "%s %d" % kv for kv in sorted(req.items()))))
    lat = res.get("latency")
    if lat:
        lines.append("")
        lrow = "%-34s %6s %8s %8s %8s %7s"
        lines.append(lrow % ("latency (asked %d changes)" % lat["changes"], "n", "p50 s",
                             "p99 s", "max s", "missed"))
        for path, label in (("odoo_poll", "Odoo rename ->"), ("matrix_sync", "Matrix leave ->")):
            for target, s in lat[path].items():
                lines.append(lrow % ("%s %s" % (label, target), fmt(s["n"]), fmt(s["p50_s"]),
                                     fmt(s["p99_s"]), fmt(s["max_s"]), fmt(s["missed"])))
        d = lat.get("daemon") or {}
        lines.append("  daemon: wall %s s, cpu %s s, peak RSS %s MiB, exit %s"
                     % (fmt(d.get("wall_s")), fmt(d.get("cpu_s")), fmt(d.get("peak_rss_mib")),
                        fmt(d.get("exit"))))
    lines.append("")
    trow = "%-38s %10s %8s %6s"
    lines.append(trow % ("target", "measured", "limit", "met"))
    for t in res["targets"]:
        met = {True: "yes", False: "NO", None: "-"}[t["met"]]
        lines.append(trow % (t["target"], fmt(t["measured"]), fmt(t["limit"]), met))
    for note in res.get("notes", []):
        lines.append("note: " + note)
    return "\n".join(lines)
