"""Scenario 1 (SCENARIOS.md), Onboarding: a person tagged "Membre" in Odoo gets, within one
pass, one Nextcloud account (id from the email's local part, email and display name set)
in their community's group, one Matrix account invited to their community's room and to
the space; a second pass writes nothing. Asserted on the servers' state."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import summaries  # noqa: E402
from seed import MAIL_DOMAIN, build_seed  # noqa: E402
import checks  # noqa: E402

NEWCOMER = {"name": "Éloïse Lefèvre-Bérenger", "email": "eloise.lb@" + MAIL_DOMAIN,
            "phone": "06 11 22 33 44"}


class Onboarding(unittest.TestCase):
    def test_tagged_member_reaches_every_system_once(self):
        seed = build_seed(members=12, communities=3, events=0, by_hand=0, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        with Cooperative(seed) as coop:
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "first pass")])
            after = summaries(coop)
            assert_checks(self, checks.people(after, facts, seed) + checks.groups(after, facts))
            nc, mx = after["nextcloud"], after["matrix"]
            for m in facts["members"]:
                uid = m["email"].split("@")[0]
                self.assertIn(uid, nc["users"], "account id from the email's local part")
                self.assertEqual(nc["users"][uid]["email"], m["email"])
                self.assertEqual(nc["users"][uid]["displayname"], m["name"])

            # a newcomer tagged Membre in Lyon: one pass brings them everywhere
            lyon_tag = 51
            coop.seed_more("odoo", {"records": {"res.partner": [{
                "name": NEWCOMER["name"], "email": NEWCOMER["email"], "phone": NEWCOMER["phone"],
                "is_company": False, "category_id": [[6, 0, [50, lyon_tag]]]}]}})
            facts["members"].append({"name": NEWCOMER["name"], "email": NEWCOMER["email"],
                                     "phone": NEWCOMER["phone"], "community": "lyon"})
            second = coop.sync()
            assert_checks(self, [checks.ran(second, "pass after the newcomer")])
            after = summaries(coop)
            assert_checks(self, checks.people(after, facts, seed) + checks.groups(after, facts))
            nc_user = after["nextcloud"]["users"].get("eloise.lb")
            self.assertIsNotNone(nc_user, "newcomer's Nextcloud account")
            self.assertEqual(nc_user["displayname"], NEWCOMER["name"])
            self.assertIn("eloise.lb", after["nextcloud"]["groups"]["lyon"]["members"])
            spaces = [r for r in after["matrix"]["rooms"].values() if r["type"] == "m.space"]
            self.assertEqual(len(spaces), 1, "one space for the federation")
            mx_ids = [u for u, v in after["matrix"]["users"].items() if NEWCOMER["email"] in v["emails"]
                      or u.startswith("@eloise.lb:")]
            self.assertEqual(len(mx_ids), 1, "exactly one Matrix account: %s" % mx_ids)
            self.assertIn(spaces[0]["members"].get(mx_ids[0]), ("invite", "join"),
                          "newcomer invited to the space")

            # running the pass again changes nothing, on coopsync's count and on the servers
            assert_quiet_pass(self, coop, "third pass")


if __name__ == "__main__":
    run_tests()
