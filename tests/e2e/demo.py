#!/usr/bin/python3
"""The demo: a seeded cooperative synced across Odoo, Nextcloud, Matrix and Mobilizon.

    /usr/bin/python3 tests/e2e/demo.py [--members 400] [--communities 12] [--events 60] [--keep]

Starts the four simulators seeded by tests/e2e/seed.py (through tests/e2e/harness.py), runs
`coopsync sync --dry-run`, a real pass and a second pass, and prints what happened, counted
on the servers (their /_sim/state) and cross-checked with coopsync's --json report. Exits 1
if one of its checks fails, 2 if the servers or coopsync could not be run at all.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Cooperative, HarnessError, binary_path, secret_values  # noqa: E402
from observe import changed_systems, fingerprints, summaries  # noqa: E402
from seed import build_seed  # noqa: E402
import checks  # noqa: E402


def system_line(name, sysrep):
    keys = ("read", "created", "adopted", "linked", "updated", "disabled", "deleted", "failed")
    return "  %-10s " % name + "  ".join("%s %d" % (k, sysrep.get(k, 0)) for k in keys) + (
        ("\n             error: " + sysrep["error"]) if sysrep.get("error") else "")


def print_pass(title, result):
    j = result.json or {}
    print("%s (coopsync exit %d):" % (title, result.returncode))
    for name, rep in sorted((j.get("systems") or {}).items()):
        print(system_line(name, rep))


def server_report(before, after, facts):
    o_b, o_a = before["odoo"], after["odoo"]
    n_b, n_a = before["nextcloud"], after["nextcloud"]
    m_b, m_a = before["matrix"], after["matrix"]
    z_b, z_a = before["mobilizon"], after["mobilizon"]
    by_hand = {h["nextcloud_id"] for h in facts["by_hand"]}
    nc_linked = sum(1 for uid in n_a["users"] if uid in by_hand)
    mx_by_hand = {h["matrix_id"] for h in facts["by_hand"]}
    mx_linked = sum(1 for uid in m_a["users"] if uid in mx_by_hand)
    members_n = sum(len(g["members"]) for g in n_a["groups"].values())
    mx_members = sum(len(r["members"]) for r in m_a["rooms"].values() if r["type"] != "m.space")
    spaces = sum(1 for r in m_a["rooms"].values() if r["type"] == "m.space")
    lines = [
        "What the servers hold now:",
        "  odoo       %d members; events %d (+%d); registrations %d (+%d)" % (
            len(o_a["members"]), len(o_a["events"]), len(o_a["events"]) - len(o_b["events"]),
            len(o_a["registrations"]), len(o_a["registrations"]) - len(o_b["registrations"])),
        "  nextcloud  accounts %d (+%d created, %d made by hand and linked); groups %d (+%d) "
        "with %d memberships; shared folders %d; group calendars %d holding %d events" % (
            len(n_a["users"]), len(n_a["users"]) - len(n_b["users"]), nc_linked,
            len(n_a["groups"]), len(n_a["groups"]) - len(n_b["groups"]), members_n,
            len(n_a["shares"]), len(n_a["calendars"]), sum(n_a["calendars"].values())),
        "  matrix     accounts %d (+%d created, %d made by hand and linked); rooms %d (+%d), "
        "spaces %d; room members/invites %d; announcements %d" % (
            len(m_a["users"]), len(m_a["users"]) - len(m_b["users"]), mx_linked,
            len(m_a["rooms"]) - spaces, len(m_a["rooms"]) - len(m_b["rooms"]), spaces, mx_members,
            sum(r["messages"] for r in m_a["rooms"].values())),
        "  mobilizon  groups %d; group members %d (+%d); events %d (+%d); registrations %d (+%d)" % (
            len(z_a["groups"]), len(z_a["members"]), len(z_a["members"]) - len(z_b["members"]),
            len(z_a["events"]), len(z_a["events"]) - len(z_b["events"]), len(z_a["participants"]),
            len(z_a["participants"]) - len(z_b["participants"])),
    ]
    return "\n".join(lines)


def run_demo(members, communities, events, keep=False, radicale=False):
    seed = build_seed(members=members, communities=communities, events=events)
    facts = seed["facts"]
    results = []   # (check name, ok, detail)
    print("coopsync demo: %d members in %d communities, %d events; %d already in Nextcloud and "
          "Matrix by hand; two partners sharing %s" % (members, communities, events,
                                                       len(facts["by_hand"]), facts["conflict_email"]))
    print("binary: %s" % binary_path())
    with Cooperative(seed, radicale=radicale, keep=keep) as coop:
        print("servers: " + ", ".join("%s %s" % (n, s.url) for n, s in sorted(coop.sims.items())))
        print("config: %s (secrets only as ${...})\n" % coop.config_path)
        before = summaries(coop)
        fp0 = fingerprints(coop)

        dry = coop.sync("--dry-run")
        fp1 = fingerprints(coop)
        planned = (dry.json or {}).get("planned") or []
        per_sys = {}
        for p in planned:
            per_sys.setdefault(p["system"], {}).setdefault(p["op"], 0)
            per_sys[p["system"]][p["op"]] += 1
        print("1. Dry run (coopsync exit %d): %d planned writes" % (dry.returncode, len(planned)))
        for name, ops in sorted(per_sys.items()):
            print("  %-10s %s" % (name, ", ".join("%s %d" % kv for kv in sorted(ops.items()))))
        results.append(checks.ran(dry, "dry run"))
        if dry.returncode not in (0, 1):
            # a config or connection problem: the passes would say the same; stop here
            print("\ncoopsync could not run the dry run (exit %d):\n%s" % (
                dry.returncode, dry.stderr.strip()[-4000:]))
            return 1
        results.append(("dry run wrote nothing (servers unchanged)", fp0 == fp1,
                        "changed: " + ", ".join(changed_systems(fp0, fp1))))

        first = coop.sync()
        print()
        print_pass("2. First pass", first)
        results.append(checks.ran(first, "first pass"))
        after = summaries(coop)
        print(server_report(before, after, facts))
        fp2 = fingerprints(coop)
        results.extend(checks.people(after, facts, seed))
        results.extend(checks.groups(after, facts))

        conflicts = coop.run("conflicts", "--json")
        print("\n3. Waiting for a human (coopsync conflicts):")
        open_conflicts = conflicts.json if isinstance(conflicts.json, list) else []
        for c in open_conflicts:
            print("  #%s %s in %s: %s — candidates %s" % (c.get("id"), c.get("kind"), c.get("system"),
                                                        c.get("reason"), c.get("candidates")))
        if not open_conflicts:
            print("  (none)")
        results.extend(checks.conflict(open_conflicts, after, facts))

        second = coop.sync()
        fp3 = fingerprints(coop)
        writes = (second.json or {}).get("writes")
        touched = changed_systems(fp2, fp3)
        print("\n4. Second pass (coopsync exit %d): second pass: %s writes" % (
            second.returncode, writes if writes is not None else "?"))
        print("   servers changed by it: %s" % (", ".join(touched) or "none"))
        results.append(checks.ran(second, "second pass"))
        results.append(("second pass: 0 writes (coopsync's count)", writes == 0, "writes=%r" % writes))
        results.append(("second pass: servers unchanged", not touched, "changed: " + ", ".join(touched)))

        leaked = [r.args[0] for r in coop.runs for s in secret_values(seed)
                  if s in r.stdout or s in r.stderr]
        results.append(("no secret in coopsync's output", not leaked, "in: " + ", ".join(leaked)))

        print("\nChecks:")
        failed = 0
        for name, ok, detail in results:
            print("  [%s] %s%s" % ("ok" if ok else "FAILED", name, "" if ok else " — " + detail))
            failed += 0 if ok else 1
        if failed:
            print("\n%d check(s) failed. coopsync's stderr of the last pass:\n%s" % (
                failed, second.stderr[-3000:] or first.stderr[-3000:]))
        if keep:
            print("\nkept: %s" % coop.dir)
        return failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=400)
    ap.add_argument("--communities", type=int, default=12)
    ap.add_argument("--events", type=int, default=60)
    ap.add_argument("--radicale", action="store_true", help="group calendars on a real Radicale")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    if not os.access(binary_path(), os.X_OK):
        print("demo: no coopsync binary at %s (build it, or set COOPSYNC_BINARY)" % binary_path(),
              file=sys.stderr)
        return 2
    try:
        failed = run_demo(args.members, args.communities, args.events, args.keep, args.radicale)
    except HarnessError as e:
        print("demo: %s" % e, file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
