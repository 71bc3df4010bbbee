"""Scenario 3 (SCENARIOS.md), Ambiguous: two Odoo partners share an email (a couple). The
first pass raises one conflict that `coopsync conflicts` lists, and nothing is created for
either partner anywhere (no account, no group or room membership), pass after pass, while
the rest of the cooperative is synced. `coopsync conflicts resolve` settles it (--keep one
candidate, or --merge them); the next pass creates exactly one account per system, in the
community's group and room, and the pass after writes nothing. Asserted on the servers."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import summaries  # noqa: E402
from seed import MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402


def traces(after, email):
    """Everything of `email` in Nextcloud and Matrix: accounts, groups, rooms (not spaces)."""
    local = email.split("@")[0]
    nc = [u for u, v in after["nextcloud"]["users"].items() if (v.get("email") or "") == email]
    mx = [u for u, v in after["matrix"]["users"].items()
          if email in v.get("emails", []) or u == "@%s:%s" % (local, MATRIX_SERVER)]
    in_groups = [g for g, v in after["nextcloud"]["groups"].items() if set(nc) & set(v["members"])]
    in_rooms = [r["name"] for r in after["matrix"]["rooms"].values()
                if r["type"] != "m.space" and set(mx) & set(r["members"])]
    return {"nextcloud": nc, "matrix": mx, "groups": in_groups, "rooms": in_rooms}


class Ambiguous(unittest.TestCase):
    def setUp(self):
        self.seed = build_seed(members=12, communities=2, events=0, by_hand=0,
                               registrations=False, conflict=True)
        self.facts = self.seed["facts"]
        self.email = self.facts["conflict_email"]

    def raise_conflict(self, coop):
        """Two passes with the conflict open: listed once, nothing of either partner anywhere."""
        odoo_before = [p for p in coop.state("odoo")["res.partner"] if p.get("email") == self.email]
        self.assertEqual(len(odoo_before), 2)
        for label in ("first pass", "second pass, conflict still open"):
            result = coop.sync()
            assert_checks(self, [checks.ran(result, label)])
            self.assertEqual(result.returncode, 1, "an open conflict needs attention (exit 1)")
            after = summaries(coop)
            listed = coop.run("conflicts", "--json")
            self.assertEqual(listed.returncode, 1, "an open conflict: exit 1 like the text listing "
                             + listed.stderr[-2000:])
            mine = [c for c in listed.json if self.email in str(c)]
            self.assertEqual(len(mine), 1, "one open conflict for %s: %s" % (self.email, listed.json))
            self.assertEqual(len(listed.json), 1, "no other conflict: %s" % listed.json)
            assert_checks(self, checks.conflict(listed.json, after, self.facts))
            self.assertEqual(traces(after, self.email),
                             {"nextcloud": [], "matrix": [], "groups": [], "rooms": []})
            # the others went through, and Odoo was not touched for the two partners
            assert_checks(self, checks.people(after, self.facts, self.seed)
                          + checks.groups(after, self.facts))
            odoo_now = [p for p in coop.state("odoo")["res.partner"] if p.get("email") == self.email]
            self.assertEqual(odoo_now, odoo_before)
            # nothing of theirs waits in the outbox to fail pass after pass
            self.assertEqual(result.json.get("dead_letters"), 0, result.stdout[-2000:])
        text = coop.run("conflicts")
        self.assertEqual(text.returncode, 1, "the text listing exits 1 while a conflict is open")
        self.assertIn(self.email, text.stdout)
        return mine[0]

    def candidates_by_name(self, coop, conflict):
        shown = coop.run("conflicts", "show", str(conflict["id"]), "--json")
        self.assertEqual(shown.returncode, 0, shown.stderr[-2000:])
        by_name = {e["fields"]["given_name"]: e["entity"] for e in shown.json["entities"]}
        self.assertEqual(sorted(by_name), ["Agnès", "Benoît"], shown.stdout[-2000:])
        self.assertEqual(sorted(by_name.values()), sorted(conflict["candidates"]))
        return by_name

    def settled(self, coop, display_name):
        """After the resolution: one account per system, in the group and room; then quiet."""
        odoo_before = [p for p in coop.state("odoo")["res.partner"] if p.get("email") == self.email]
        listed = coop.run("conflicts", "--json")
        self.assertEqual(listed.json, [], "no open conflict after resolve")
        result = coop.sync()
        assert_checks(self, [checks.ran(result, "pass after the resolution")])
        self.assertEqual(result.returncode, 0, result.stdout[-2000:] + result.stderr[-2000:])
        after = summaries(coop)
        found = traces(after, self.email)
        self.assertEqual(len(found["nextcloud"]), 1, found)
        self.assertEqual(len(found["matrix"]), 1, found)
        nc_user = after["nextcloud"]["users"][found["nextcloud"][0]]
        self.assertEqual(nc_user["displayname"], display_name)
        self.assertTrue(nc_user["enabled"])
        community = self.facts["communities"][0]
        self.assertEqual(found["groups"], [community], "in the community's group only")
        self.assertEqual(len(found["rooms"]), 1, "invited to the community's room: %s" % found)
        self.assertIn(community.capitalize(), found["rooms"][0])
        # Odoo keeps its two partners as they were: nothing created or rewritten there
        odoo_now = [p for p in coop.state("odoo")["res.partner"] if p.get("email") == self.email]
        self.assertEqual(odoo_now, odoo_before)

        assert_quiet_pass(self, coop, "pass after that")
        self.assertEqual(len(traces(summaries(coop), self.email)["nextcloud"]), 1)

    def test_keep_one_partner(self):
        with Cooperative(self.seed) as coop:
            conflict = self.raise_conflict(coop)
            names = self.candidates_by_name(coop, conflict)
            bad = coop.run("conflicts", "resolve", str(conflict["id"]), "--keep", "not-a-candidate")
            self.assertEqual(bad.returncode, 2, "an entity that is not a candidate is refused")
            resolved = coop.run("conflicts", "resolve", str(conflict["id"]), "--keep", names["Agnès"])
            self.assertEqual(resolved.returncode, 0, resolved.stderr[-2000:])
            again = coop.run("conflicts", "resolve", str(conflict["id"]), "--keep", names["Agnès"])
            self.assertEqual(again.returncode, 2, "a settled conflict is not settled twice")
            self.settled(coop, "Agnès Guérin")

    def test_merge_the_partners(self):
        with Cooperative(self.seed) as coop:
            conflict = self.raise_conflict(coop)
            names = self.candidates_by_name(coop, conflict)
            resolved = coop.run("conflicts", "resolve", str(conflict["id"]),
                                "--merge", names["Benoît"], names["Agnès"])
            self.assertEqual(resolved.returncode, 0, resolved.stderr[-2000:])
            self.settled(coop, "Benoît Guérin")
            # the survivor's audit says what was merged into it
            audit = coop.run("audit", names["Benoît"], "--json")
            self.assertEqual(audit.returncode, 0, audit.stderr[-2000:])
            merges = [a for a in audit.json if a["action"] == "merge" and
                      a["details"].get("from") == names["Agnès"]]
            self.assertEqual(len(merges), 1, audit.stdout[-3000:])


if __name__ == "__main__":
    run_tests()
