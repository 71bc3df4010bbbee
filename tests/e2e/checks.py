"""Checks on the servers' state (tests/e2e/observe.py summaries) against what the seed
says should be true, shared by the demo and the scenario tests. Each check is a
(name, ok, detail) triple; the details say what was observed, for the report.
assert_checks fails a test with every failed check; assert_quiet_pass runs a pass that
must find nothing to do."""

from observe import changed_systems, fingerprints
from seed import MATRIX_SERVER


def assert_checks(tc, results, context=""):
    """Fails the test case tc naming every check of results that did not hold."""
    failed = ["%s — %s" % (name, detail) for name, ok, detail in results if not ok]
    tc.assertEqual(failed, [], (context + "\n" if context else "") + "\n".join(failed))


def assert_quiet_pass(tc, coop, label):
    """One more pass, which must find nothing to do: it ran, coopsync counts no write and no
    server's state changed (observe.fingerprints). Returns its SyncResult."""
    before = fingerprints(coop)
    result = coop.sync()
    assert_checks(tc, [ran(result, label)])
    tc.assertEqual((result.json or {}).get("writes"), 0, "%s: %s" % (label, result.stdout[-3000:]))
    tc.assertEqual(changed_systems(before, fingerprints(coop)), [], label)
    return result


def ran(result, label):
    """coopsync ran the pass: exit 0 (or 1: attention, e.g. a conflict) and no system error."""
    errors = {n: r.get("error") for n, r in ((result.json or {}).get("systems") or {}).items()
              if r.get("error")}
    ok = result.returncode in (0, 1) and result.json is not None and not errors
    detail = "exit %d; system errors: %s; stderr: %s" % (
        result.returncode, errors or "none", result.stderr.strip()[-800:])
    return ("%s ran (exit 0 or 1, every system reachable)" % label, ok, detail)


def expected_people(facts):
    return [m for m in facts["members"] if m["email"] != facts["conflict_email"]]


def _nc_accounts(nc, email):
    return [uid for uid, u in nc["users"].items() if (u.get("email") or "").lower() == email]


def _mx_accounts(mx, email, server):
    local = "@%s:%s" % (email.split("@")[0], server)
    return [uid for uid, u in mx["users"].items()
            if email in [e.lower() for e in u.get("emails", [])] or uid == local]


def _sample(items, n=5):
    return ", ".join(str(i) for i in items[:n]) + (" ..." if len(items) > n else "")


def people(after, facts, seed):
    server = seed["matrix"]["server_name"]
    people_ = expected_people(facts)
    hand = {h["email"]: h for h in facts["by_hand"]}
    out = []
    nc_bad = [(m["email"], _nc_accounts(after["nextcloud"], m["email"])) for m in people_]
    nc_bad = [b for b in nc_bad if len(b[1]) != 1]
    out.append(("nextcloud: exactly one account per member (%d)" % len(people_), not nc_bad,
                "%d wrong, e.g. %s" % (len(nc_bad), _sample(nc_bad))))
    mx_bad = [(m["email"], _mx_accounts(after["matrix"], m["email"], server)) for m in people_]
    mx_bad = [b for b in mx_bad if len(b[1]) != 1]
    out.append(("matrix: exactly one account per member (%d)" % len(people_), not mx_bad,
                "%d wrong, e.g. %s" % (len(mx_bad), _sample(mx_bad))))
    wrong_hand = []
    for email, h in hand.items():
        if _nc_accounts(after["nextcloud"], email) != [h["nextcloud_id"]]:
            wrong_hand.append(("nextcloud", email, _nc_accounts(after["nextcloud"], email)))
        if _mx_accounts(after["matrix"], email, server) != [h["matrix_id"]]:
            wrong_hand.append(("matrix", email, _mx_accounts(after["matrix"], email, server)))
    out.append(("accounts made by hand were linked, not duplicated (%d people)" % len(hand),
                not wrong_hand, "%d wrong, e.g. %s" % (len(wrong_hand), _sample(wrong_hand))))
    odoo_emails = [p["email"] for p in after["odoo"]["members"].values() if p["email"]]
    dup = sorted({e for e in odoo_emails if odoo_emails.count(e) > 1} - {facts["conflict_email"]})
    out.append(("odoo: no member created twice", not dup, "duplicated: " + _sample(dup)))
    return out


def groups(after, facts, server=MATRIX_SERVER):
    out = []
    nc, mx = after["nextcloud"], after["matrix"]
    missing = [s for s in facts["communities"] if s not in nc["groups"]]
    out.append(("nextcloud: one group per community (%d)" % len(facts["communities"]),
                not missing, "missing: " + _sample(missing)))
    not_in = []
    for m in expected_people(facts):
        accounts = _nc_accounts(nc, m["email"])
        group = nc["groups"].get(m["community"], {"members": []})
        if len(accounts) == 1 and accounts[0] not in group["members"]:
            not_in.append((m["email"], m["community"]))
    out.append(("nextcloud: every member in their community's group", not not_in,
                "%d missing, e.g. %s" % (len(not_in), _sample(not_in))))
    room_of = {}
    for rid, r in mx["rooms"].items():
        for alias in r["aliases"]:
            room_of[alias.split(":")[0].lstrip("#")] = rid
    rooms_missing = [s for s in facts["communities"] if not any(a.endswith(s) for a in room_of)]
    out.append(("matrix: one room per community", not rooms_missing,
                "missing: " + _sample(rooms_missing)))
    not_invited = []
    for m in expected_people(facts):
        rid = next((room_of[a] for a in room_of if a.endswith("_" + m["community"])), None)
        users = _mx_accounts(mx, m["email"], server)
        if rid is None:
            continue
        members = mx["rooms"][rid]["members"]
        if not any(members.get(u) in ("invite", "join") for u in users):
            not_invited.append((m["email"], m["community"]))
    out.append(("matrix: every member invited to their community's room", not not_invited,
                "%d missing, e.g. %s" % (len(not_invited), _sample(not_invited))))
    return out


def conflict(open_conflicts, after, facts):
    email = facts["conflict_email"]
    if not email:
        return []
    listed = [c for c in open_conflicts if email in str(c)]
    created = _nc_accounts(after["nextcloud"], email) + [
        uid for uid, u in after["matrix"]["users"].items() if email in u.get("emails", [])]
    return [("conflict for the shared email %s listed by `coopsync conflicts`" % email,
             bool(listed), "open conflicts: %d, none mentions it" % len(open_conflicts)),
            ("nothing created for the ambiguous partners until a human decides", not created,
             "created: " + _sample(created))]
