"""Scenario 2 (SCENARIOS.md), Already there: members who already had a Nextcloud and a
Matrix account made by hand (same email, another spelling of the name, an id coopsync's
rule would not derive) are linked to them; no second account is created anywhere, they
join their community's group and room, and a second pass writes nothing."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import summaries  # noqa: E402
from seed import build_seed  # noqa: E402
import checks  # noqa: E402


class AlreadyThere(unittest.TestCase):
    def test_hand_made_accounts_are_linked_not_duplicated(self):
        seed = build_seed(members=16, communities=2, events=0, by_hand=0.5, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        self.assertEqual(len(facts["by_hand"]), 8)
        with Cooperative(seed) as coop:
            before = summaries(coop)
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "first pass")])
            after = summaries(coop)
            assert_checks(self, checks.people(after, facts, seed) + checks.groups(after, facts))
            nc, mx = after["nextcloud"], after["matrix"]
            # exactly the hand-made accounts plus one per other member: nothing more
            self.assertEqual(len(nc["users"]), len(before["nextcloud"]["users"]) + 16 - 8)
            self.assertEqual(len(mx["users"]), len(before["matrix"]["users"]) + 16 - 8)
            for h in facts["by_hand"]:
                self.assertTrue(nc["users"][h["nextcloud_id"]]["enabled"])
                self.assertFalse(mx["users"][h["matrix_id"]]["deactivated"])

            # one entity holds the Odoo partner and both hand-made accounts
            for h in facts["by_hand"]:
                links = coop.run("links", "show", "--system", "cloud", "--kind", "person",
                                 "--external-id", h["nextcloud_id"], "--json")
                self.assertEqual(links.returncode, 0, links.stderr[-2000:])
                linked = {(link.get("system"), link.get("external_id")) for link in (links.json or [])}
                self.assertIn(("chat", h["matrix_id"]), linked)
                self.assertIn("odoo", {system for system, _ in linked})

            assert_quiet_pass(self, coop, "second pass")
            after2 = summaries(coop)
            self.assertEqual(len(after2["nextcloud"]["users"]), len(nc["users"]))
            self.assertEqual(len(after2["matrix"]["users"]), len(mx["users"]))


if __name__ == "__main__":
    run_tests()
