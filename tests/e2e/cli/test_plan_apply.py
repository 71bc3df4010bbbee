"""`coopsync plan` and `coopsync apply` against the four simulators:

  * plan writes a file holding every intended write per system and touches no server;
  * apply carries out exactly that plan: the servers then hold the planned records, the
    count of writes equals the plan's, and a second plan is empty;
  * a plan made, then the record it would write changed in Odoo, then apply: exit 1, a
    message naming the record, and every server exactly as it was;
  * a member leaving: the plan holds disables (active true -> false) with the on_delete
    policy behind them, and apply disables the Nextcloud account;
  * a plan file edited after planning is refused (exit 2) before anything is contacted.
Asserted on the servers' state (/_sim/state), not on coopsync's logs."""
import json
import os
import subprocess
import sys
import time
import unittest
import xmlrpc.client

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks  # noqa: E402
from harness import Cooperative, binary_path, run_tests, secret_values  # noqa: E402
from observe import changed_systems, fingerprints, summaries  # noqa: E402
from seed import build_seed  # noqa: E402
import checks  # noqa: E402


def odoo_write(coop, model, ids, values):
    """What the Odoo web client sends: execute_kw write, with the seed's own credentials.

    Odoo's write_date has one-second resolution, and the connector's cursor resumes after the
    records it already read in the newest second: an edit made in that same second would be
    read one pass late. Edits here wait for the wall clock to enter a new second first (an
    ordering precondition, not a timing assertion)."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)
    url = coop.sims["odoo"].url
    db = coop.seed["odoo"]["database"]
    key = coop.env["COOPSYNC_E2E_ODOO_API_KEY"]
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "admin", key, {})
    obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    return obj.execute_kw(db, uid, key, model, "write", [list(ids), values])


def partner_id(coop, email):
    ids = [p["id"] for p in coop.state("odoo")["res.partner"] if p.get("email") == email]
    assert len(ids) == 1, "odoo: %d partners with %s" % (len(ids), email)
    return ids[0]


def planned(doc):
    return [(system, w) for system, writes in doc["systems"].items() for w in writes]


class PlanApply(unittest.TestCase):
    def no_secret(self, seed, *results):
        for r in results:
            for s in secret_values(seed):
                self.assertNotIn(s, r.stdout + r.stderr, "a secret in coopsync's output")

    def test_plan_then_apply_exactly(self):
        seed = build_seed(members=8, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        with Cooperative(seed) as coop:
            plan_path = os.path.join(coop.dir, "plan.json")
            before = fingerprints(coop)

            # --- plan: a file, a summary, and nothing written anywhere ---------------
            made = coop.run("plan", "--out", plan_path)
            self.assertEqual(made.returncode, 0, made.stderr[-3000:])
            self.assertEqual(changed_systems(before, fingerprints(coop)), [], "plan wrote to a server")
            self.assertEqual(os.stat(plan_path).st_mode & 0o077, 0, "plan file readable by others")
            with open(plan_path, encoding="utf-8") as f:
                doc = json.load(f)
            writes = planned(doc)
            systems = {s for s, _ in writes}
            self.assertIn("Plan: %d writes" % len(writes), made.stdout)
            for name in systems:
                self.assertIn("  %s:" % name, made.stdout, "summary line per system")
            people_creates = {s: sorted(w["projection"]["email"] for _, w in writes if _ == s
                                        and w["kind"] == "person" and w["op"] == "create")
                              for s in systems}
            emails = sorted(m["email"] for m in facts["members"])
            for s, w in writes:
                self.assertTrue(w["reason"] and w["rule"], "reason and rule for every write")
                self.assertTrue(w["base"].get("snapshot"), "a base for every write")
                if w["op"] == "create":
                    self.assertEqual(sorted(f["field"] for f in w["fields"]),
                                     sorted(w["projection"].keys()))
            # every member is planned once in each system that holds people
            for s, got in people_creates.items():
                if got:
                    self.assertEqual(got, emails, "person creates planned for %s" % s)
            self.assertGreaterEqual(sum(1 for got in people_creates.values() if got), 2,
                                    "people created in the cloud and the chat")

            # --- apply: exactly the plan ---------------------------------------------
            applied = coop.run("apply", plan_path, "--json")
            self.assertEqual(applied.returncode, 0, applied.stderr[-3000:])
            self.assertEqual(applied.json["writes"], len(writes), applied.stdout[-2000:])
            done = sorted((p["system"], p["op"], p["kind"]) for p in applied.json["planned"])
            self.assertEqual(done, sorted((s, w["op"], w["kind"]) for s, w in writes))
            after = summaries(coop)
            assert_checks(self, checks.people(after, facts, seed) + checks.groups(after, facts))
            nc_users = [u for u in after["nextcloud"]["users"].values()
                        if (u.get("email") or "") in emails]
            self.assertEqual(len(nc_users), len(emails), "one Nextcloud account per planned create")

            # --- a second plan is empty, and applying it writes nothing ----------------
            settled = fingerprints(coop)
            again = coop.run("plan", "--out", plan_path, "--json")
            self.assertEqual(again.returncode, 0, again.stderr[-2000:])
            self.assertEqual(again.json["writes"], 0, again.stdout)
            empty = coop.run("apply", plan_path, "--json")
            self.assertEqual(empty.returncode, 0, empty.stderr[-2000:])
            self.assertEqual(empty.json["writes"], 0)
            self.assertEqual(changed_systems(settled, fingerprints(coop)), [])

            # --- a record changed after planning: refused, nothing written --------------
            member = facts["members"][0]
            pid = partner_id(coop, member["email"])
            odoo_write(coop, "res.partner", [pid], {"email": "first." + member["email"]})
            made = coop.run("plan", "--out", plan_path)
            self.assertEqual(made.returncode, 0, made.stderr[-2000:])
            with open(plan_path, encoding="utf-8") as f:
                doc = json.load(f)
            updates = [(s, w) for s, w in planned(doc) if w["op"] == "update"]
            self.assertTrue(updates, "the changed email is planned: %s" % made.stdout)
            for s, w in updates:
                email = [f for f in w["fields"] if f["field"] == "email"]
                self.assertEqual(email[0]["after"], "first." + member["email"])
                self.assertEqual(email[0].get("before"), member["email"], "before value known")
            self.assertIn("first." + member["email"], made.stdout)
            # the same person changes again before the plan is applied
            odoo_write(coop, "res.partner", [pid], {"email": "second." + member["email"]})
            settled = fingerprints(coop)
            refused = coop.run("apply", plan_path)
            self.assertEqual(refused.returncode, 1, refused.stdout + refused.stderr)
            self.assertIn("nothing was written", refused.stderr)
            self.assertIn("first." + member["email"], refused.stderr, "names the changed record")
            self.assertEqual(changed_systems(settled, fingerprints(coop)), [], "apply refused but wrote")
            self.no_secret(seed, made, refused, applied)

            # a fresh plan holds the latest value and applies cleanly
            made = coop.run("plan", "--out", plan_path)
            self.assertEqual(made.returncode, 0, made.stderr[-2000:])
            self.assertIn("second." + member["email"], made.stdout)
            applied = coop.run("apply", plan_path, "--json")
            self.assertEqual(applied.returncode, 0, applied.stderr[-2000:])
            nc = summaries(coop)["nextcloud"]["users"]
            moved = [u for u in nc.values() if u.get("email") == "second." + member["email"]]
            self.assertEqual(len(moved), 1, "the new email reached Nextcloud once")

            # --- a member leaves: disables planned with the policy behind them ------------
            leaver = facts["members"][2]
            odoo_write(coop, "res.partner", [partner_id(coop, leaver["email"])],
                       {"category_id": [[3, 50]]})     # the Membre tag removed
            made = coop.run("plan", "--out", plan_path)
            self.assertEqual(made.returncode, 0, made.stderr[-2000:])
            with open(plan_path, encoding="utf-8") as f:
                doc = json.load(f)
            gone = [(s, w) for s, w in planned(doc) if w["kind"] == "person"]
            self.assertTrue(gone, made.stdout)
            for s, w in gone:
                self.assertEqual((w["op"], w["label"], w["reason"]),
                                 ("disable", leaver["email"], "person left"))
                self.assertIn(".kinds.person.on_delete: disable", w["rule"])
                self.assertEqual(w["fields"], [{"field": "active", "before": True, "after": False}])
            self.assertIn("disable person", made.stdout)
            applied = coop.run("apply", plan_path, "--json")
            self.assertEqual(applied.returncode, 0, applied.stderr[-2000:])
            self.assertEqual(applied.json["writes"], len(planned(doc)))
            nc = coop.state("nextcloud")["users"]
            uid = leaver["email"].split("@")[0]
            self.assertIs(nc[uid].get("enabled"), False, "the leaver's account is disabled")

            # --- an edited plan is refused before anything is contacted -----------------
            other = facts["members"][1]
            odoo_write(coop, "res.partner", [partner_id(coop, other["email"])],
                       {"email": "new." + other["email"]})
            made = coop.run("plan", "--out", plan_path)
            self.assertEqual(made.returncode, 0, made.stderr[-2000:])
            with open(plan_path, encoding="utf-8") as f:
                doc = json.load(f)
            first_system = sorted(doc["systems"])[0]
            doc["systems"][first_system][0]["projection"]["email"] = "someone.else@elsewhere.example"
            with open(plan_path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            settled = fingerprints(coop)
            tampered = subprocess.run([binary_path(), "apply", plan_path], env=coop.env, cwd=coop.dir,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
            self.assertEqual(tampered.returncode, 2, tampered.stderr)
            self.assertIn(b"edited after planning", tampered.stderr)
            self.assertEqual(changed_systems(settled, fingerprints(coop)), [])


if __name__ == "__main__":
    run_tests()
