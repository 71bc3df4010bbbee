"""Scenario 4 (SCENARIOS.md), Edit anywhere, once. After the cooperative is in sync, people
edit through the systems' own APIs: a display name in Nextcloud (OCS), a phone in Odoo
(XML-RPC), the same person's name on both sides, and an email in Nextcloud although Odoo
owns emails. Ownership here: Odoo owns email and phone; names belong to nobody, so that
people may rename themselves anywhere (the seed's config, where Odoo also owns the name
parts and so the display name, is changed accordingly); conflict_policy newest. One pass
carries each field where ownership says, settles the double edit by the policy and the
audit (`coopsync audit`) says which value won and why; the pass after writes nothing, on
coopsync's count and on the servers."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from edits import nextcloud_edit_user, odoo_partner_id, odoo_write  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import summaries  # noqa: E402
from seed import MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402


def mx_id(member):
    return "@%s:%s" % (member["email"].split("@")[0], MATRIX_SERVER)


def with_names_owned_by_nobody(coop):
    with open(coop.config_path, encoding="utf-8") as f:
        text = f.read()
    owns = "owns: [given_name, family_name, email, phone]"
    assert text.count(owns) == 1
    with open(coop.config_path, "w", encoding="utf-8") as f:
        f.write(text.replace(owns, "owns: [email, phone]"))


class EditAnywhere(unittest.TestCase):
    def audit(self, coop, uid):
        result = coop.run("audit", "--system", "cloud", "--kind", "person", "--external-id", uid,
                          "--json")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        return result.json

    def merges(self, entries, system, field, key):
        """The changes or disputes (`key`) on `field` in the audit's merge entries from
        `system`, made after the edits (audit ids above self.mark)."""
        out = []
        for a in entries:
            if a["action"] == "merge" and a["from_system"] == system and a["id"] > self.mark:
                out += [d for d in a["details"].get(key, []) if d["field"] == field]
        return out

    def test_each_field_goes_where_ownership_says_once(self):
        seed = build_seed(members=12, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        members = seed["facts"]["members"]
        alice, bob, carol = members[0], members[1], members[2]
        uid = {m["email"]: m["email"].split("@")[0] for m in (alice, bob, carol)}
        with Cooperative(seed) as coop:
            with_names_owned_by_nobody(coop)
            for label in ("first pass", "second pass"):
                result = coop.sync()
                assert_checks(self, [checks.ran(result, label)])
            self.assertEqual(result.json.get("writes"), 0, "in sync before the edits")
            self.mark = max(a["id"] for m in (alice, bob, carol)
                            for a in self.audit(coop, uid[m["email"]]))

            # Alice renames herself in Nextcloud; her phone changes in Odoo.
            alice_name, alice_phone = alice["name"] + " (Croix-Rousse)", "07 98 76 54 32"
            nextcloud_edit_user(coop, uid[alice["email"]], "displayname", alice_name)
            odoo_write(coop, "res.partner", [odoo_partner_id(coop, alice["email"])],
                       {"phone": alice_phone})
            # Bob's name is changed in Odoo, then (later) differently in Nextcloud.
            bob_odoo, bob_cloud = bob["name"] + "-Lemoine", "Bob " + bob["family"]
            odoo_write(coop, "res.partner", [odoo_partner_id(coop, bob["email"])],
                       {"name": bob_odoo})
            nextcloud_edit_user(coop, uid[bob["email"]], "displayname", bob_cloud)
            # Carol's email is changed in Nextcloud, but Odoo owns emails.
            nextcloud_edit_user(coop, uid[carol["email"]], "email", "carol.perso@example.org")

            result = coop.sync()
            assert_checks(self, [checks.ran(result, "pass after the edits")])
            self.assertEqual(result.returncode, 0, result.stdout[-2000:])
            after = summaries(coop)
            nc, mx = after["nextcloud"]["users"], after["matrix"]["users"]
            odoo = {p["email"]: p for p in after["odoo"]["members"].values()}

            # display name: nobody owns it, Nextcloud changed it: Odoo and Matrix follow
            self.assertEqual(nc[uid[alice["email"]]]["displayname"], alice_name)
            self.assertEqual(odoo[alice["email"]]["name"], alice_name)
            self.assertEqual(mx[mx_id(alice)]["displayname"], alice_name)
            # phone: Odoo owns it; it stays as typed there and is now the canonical phone
            self.assertEqual(odoo[alice["email"]]["phone"], alice_phone)
            alice_audit = self.audit(coop, uid[alice["email"]])
            phone = self.merges(alice_audit, "odoo", "phone", "changes")
            self.assertEqual([(c["after"], c["rule"]) for c in phone], [("+33798765432", "owner")],
                             alice_audit)
            renamed = self.merges(alice_audit, "cloud", "display_name", "changes")
            self.assertEqual([(c["after"], c["rule"]) for c in renamed],
                             [(alice_name, "sequential")], alice_audit)

            # both sides changed Bob's name: the newest change (Nextcloud's) wins everywhere,
            # and the audit names the policy, the winner and the loser
            self.assertEqual(nc[uid[bob["email"]]]["displayname"], bob_cloud)
            self.assertEqual(odoo[bob["email"]]["name"], bob_cloud)
            self.assertEqual(mx[mx_id(bob)]["displayname"], bob_cloud)
            bob_audit = self.audit(coop, uid[bob["email"]])
            disputes = self.merges(bob_audit, "cloud", "display_name", "disputes")
            self.assertEqual([(d["rule"], d["kept"], d["proposed"]) for d in disputes],
                             [("newest", bob_cloud, bob_odoo)], bob_audit)
            taken = self.merges(bob_audit, "odoo", "display_name", "changes")
            self.assertEqual([c["after"] for c in taken], [bob_odoo], "Odoo's edit was seen first")

            # Carol's email: Odoo owns it; Nextcloud's change is refused and written back
            self.assertEqual(nc[uid[carol["email"]]]["email"], carol["email"])
            self.assertEqual(odoo[carol["email"]]["email"], carol["email"])
            self.assertIn(carol["email"], mx[mx_id(carol)]["emails"])
            refused = self.merges(self.audit(coop, uid[carol["email"]]), "cloud", "email",
                                  "disputes")
            self.assertEqual([(d["rule"], d["kept"], d["proposed"]) for d in refused],
                             [("owned_by:odoo", carol["email"], "carol.perso@example.org")])

            # no loop: the pass after writes nothing, and no server changes
            assert_quiet_pass(self, coop, "pass after that")
            self.assertEqual(summaries(coop)["nextcloud"]["users"][uid[bob["email"]]]["displayname"],
                             bob_cloud)


if __name__ == "__main__":
    run_tests()
