"""Scenario 8 (SCENARIOS.md), Leaving: a member's "Membre" tag is removed in Odoo (XML-RPC,
as the Odoo web client does). One pass: the Nextcloud account is disabled, not deleted
(cloud person on_delete: disable), the person is out of their community's Nextcloud group
and kicked from its Matrix room (memberships follow), their Matrix account is left alone
(chat person on_delete: ignore), and their Odoo registrations for events to come are
cancelled while the one for an event already past stays as it was; other members keep
theirs. The pass after writes nothing. Asserted on the servers' state."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from edits import odoo_create, odoo_partner_id, odoo_read, odoo_write  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import MEMBER_TAG_ID, summaries  # noqa: E402
from seed import MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402


def room_of(after, community):
    rooms = [r for r in after["matrix"]["rooms"].values()
             if any(a.split(":")[0].endswith("_" + community) for a in r["aliases"])]
    assert len(rooms) == 1, "one Matrix room for %s: %s" % (community, rooms)
    return rooms[0]


class Leaving(unittest.TestCase):
    def test_tag_removed_disables_and_removes_everywhere(self):
        seed = build_seed(members=12, communities=2, events=2, by_hand=0, registrations=False,
                          conflict=False)
        # one more Mobilizon event of the first community, already past (in September)
        past_event = dict(seed["mobilizon"]["events"][0], id="599", title="Assemblée de rentrée",
                          uuid="6b0c0599-1f2e-4a3b-8c4d-5e6f7a8b9c0d",
                          begins_on="2026-09-12T08:00:00Z", ends_on="2026-09-12T10:00:00Z",
                          options={"timezone": "Europe/Paris"})
        seed["mobilizon"]["events"].append(past_event)
        seed["mobilizon"]["participants"].append({
            "id": "7c000000-0000-4000-8000-000000000599", "event_id": "599", "actor_id": "9",
            "role": "CREATOR", "inserted_at": "2026-08-01T10:00:00Z"})
        members = seed["facts"]["members"]
        leaver, stayer = members[0], members[2]   # both in the first community
        self.assertEqual(leaver["community"], stayer["community"])
        community = leaver["community"]
        uid = leaver["email"].split("@")[0]
        mx_leaver = "@%s:%s" % (uid, MATRIX_SERVER)
        with Cooperative(seed) as coop:
            result = coop.sync()
            assert_checks(self, [checks.ran(result, "first pass")])
            # Registrations in Odoo: the leaver for an event to come (synced from Mobilizon)
            # and for an event already past; another member for the event to come.
            events = {e["name"]: e["id"] for e in coop.state("odoo")["event.event"]}
            self.assertEqual(len(events), 3, "Mobilizon's events reached Odoo: %s" % events)
            past = events.pop("Assemblée de rentrée")
            future = sorted(events.values())[0]
            leaver_id = odoo_partner_id(coop, leaver["email"])
            regs = {
                "future": odoo_create(coop, "event.registration", {
                    "event_id": future, "partner_id": leaver_id, "state": "open"}),
                "past": odoo_create(coop, "event.registration", {
                    "event_id": past, "partner_id": leaver_id, "state": "done"}),
                "other": odoo_create(coop, "event.registration", {
                    "event_id": future, "partner_id": odoo_partner_id(coop, stayer["email"]),
                    "state": "open"}),
            }
            for label in ("pass reading the registrations", "pass after that"):
                result = coop.sync()
                assert_checks(self, [checks.ran(result, label)])
            self.assertEqual(result.json.get("writes"), 0, "in sync before the member leaves")
            before = summaries(coop)
            self.assertTrue(before["nextcloud"]["users"][uid]["enabled"])
            self.assertIn(uid, before["nextcloud"]["groups"][community]["members"])
            self.assertIn(room_of(before, community)["members"].get(mx_leaver), ("invite", "join"))

            # the member leaves: the "Membre" tag is removed in Odoo
            odoo_write(coop, "res.partner", [leaver_id], {"category_id": [[3, MEMBER_TAG_ID]]})
            result = coop.sync()
            assert_checks(self, [checks.ran(result, "pass after the tag was removed")])
            self.assertEqual(result.returncode, 0, result.stdout[-2000:] + result.stderr[-2000:])
            after = summaries(coop)
            nc_user = after["nextcloud"]["users"].get(uid)
            self.assertIsNotNone(nc_user, "the Nextcloud account is kept (disabled, not deleted)")
            self.assertFalse(nc_user["enabled"], "the Nextcloud account is disabled")
            self.assertNotIn(uid, after["nextcloud"]["groups"][community]["members"])
            self.assertNotIn(room_of(after, community)["members"].get(mx_leaver), ("invite", "join"),
                             "kicked from the community's room")
            self.assertIn(mx_leaver, after["matrix"]["users"])
            self.assertFalse(after["matrix"]["users"][mx_leaver]["deactivated"],
                             "the Matrix account itself is left alone (on_delete: ignore)")
            state = {name: r["state"] for name, r in zip(
                regs, odoo_read(coop, "event.registration", list(regs.values()), ["state"]))}
            self.assertEqual(state, {"future": "cancel", "past": "done", "other": "open"})
            # the partner stays in Odoo, only without the tag; the others are untouched
            partner = odoo_read(coop, "res.partner", [leaver_id], ["active", "category_id"])[0]
            self.assertTrue(partner["active"])
            self.assertNotIn(MEMBER_TAG_ID, partner["category_id"])
            stayer_uid = stayer["email"].split("@")[0]
            self.assertTrue(after["nextcloud"]["users"][stayer_uid]["enabled"])
            self.assertIn(stayer_uid, after["nextcloud"]["groups"][community]["members"])
            self.assertEqual(len(after["nextcloud"]["users"]), len(before["nextcloud"]["users"]))

            # the pass after writes nothing
            assert_quiet_pass(self, coop, "pass after that")


if __name__ == "__main__":
    run_tests()
