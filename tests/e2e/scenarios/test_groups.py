"""Scenario 5 (SCENARIOS.md), Groups: a regional community (an Odoo tag with the configured
prefix) becomes a Nextcloud group with a shared folder (WebDAV folder + OCS share to the
group) and a group calendar shared with it, a Matrix room inside the federation's space, and
is joined to the Mobilizon group of the same slug (the configuration forbids creating
Mobilizon groups: none is made for a new community). Membership follows Odoo: joining a
community adds (Nextcloud group member, Matrix invite), leaving it removes (Nextcloud group
removal, Matrix kick: `membership: {on_delete: delete}`). The pass after writes nothing.
Asserted on the servers' state."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from scenario_apis import nextcloud_dav, odoo, odoo_partner  # noqa: E402
from seed import GROUP_PREFIX, MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402

LYON_TAG, NANTES_TAG = 51, 52   # seed.py: 51 + index of the city


def room_by_alias(mx_state, slug):
    alias = "#coop_%s:%s" % (slug, MATRIX_SERVER)
    rooms = [(rid, r) for rid, r in mx_state["rooms"].items() if alias in r["aliases"]]
    return rooms[0] if len(rooms) == 1 else (None, None)


def matrix_id(email):
    return "@%s:%s" % (email.split("@")[0], MATRIX_SERVER)


class Groups(unittest.TestCase):
    def assert_community(self, coop, slug, name, members):
        """Everything a community becomes, read from the servers."""
        nc = coop.state("nextcloud")
        group = nc["groups"].get(slug)
        self.assertIsNotNone(group, "nextcloud group %s" % slug)
        self.assertEqual(group["displayname"], name)
        self.assertEqual(sorted(group["members"]), sorted(m.split("@")[0] for m in members))
        # the shared folder: a WebDAV folder of the acting account, shared with the group
        status, _ = nextcloud_dav(coop, "PROPFIND", "files/admin/%s" % slug)
        self.assertEqual(status, 207, "folder /%s exists in WebDAV" % slug)
        shares = [s for s in nc["shares"] if s["path"] == "/" + slug]
        self.assertEqual([(s["type"], s["with"]) for s in shares], [(1, slug)],
                         "one OCS group share of /%s with %s" % (slug, slug))
        # the group calendar, shared read-write with the group
        cal = nc["calendars"]["admin"].get(slug)
        self.assertIsNotNone(cal, "calendar %s" % slug)
        self.assertIn({"principal": "principals/groups/" + slug, "access": "read-write"},
                      cal["shares"])
        # a Matrix room inside the space, members invited
        mx = coop.state("matrix")
        rid, room = room_by_alias(mx, slug)
        self.assertIsNotNone(rid, "one room #coop_%s" % slug)
        self.assertEqual(room["name"], name)
        spaces = [r for r in mx["rooms"].values() if r["type"] == "m.space"]
        self.assertEqual(len(spaces), 1, "one space for the federation")
        self.assertIn("via", spaces[0]["state"].get("m.space.child|" + rid, {}),
                      "room %s is a child of the space" % rid)
        for email in members:
            self.assertIn(room["members"].get(matrix_id(email)), ("invite", "join"),
                          "%s invited to %s" % (email, slug))
        return rid

    def links_of(self, coop, system, kind, external_id):
        out = coop.run("links", "show", "--system", system, "--kind", kind,
                       "--external-id", external_id, "--json")
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        return {(link["system"], link["external_id"]) for link in (out.json or [])}

    def test_community_becomes_group_folder_calendar_room_and_membership_follows(self):
        seed = build_seed(members=6, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        by_city = {c: [m["email"] for m in facts["members"] if m["community"] == c]
                   for c in ("lyon", "nantes")}
        with Cooperative(seed) as coop:
            mob_groups_before = [a for a in coop.state("mobilizon")["actors"]
                                 if a["type"] == "GROUP"]
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "first pass")])
            lyon_room = self.assert_community(coop, "lyon", GROUP_PREFIX + "Lyon", by_city["lyon"])
            self.assert_community(coop, "nantes", GROUP_PREFIX + "Nantes", by_city["nantes"])
            # one entity: the Odoo tag, the Nextcloud group, the room and the Mobilizon group
            linked = self.links_of(coop, "events", "group", "lyon")
            self.assertTrue({("odoo", str(LYON_TAG)), ("cloud", "lyon"), ("chat", lyon_room),
                             ("events", "lyon")} <= linked, linked)

            # a new community in Odoo, and people moving: A from Lyon to Nantes, B leaves
            # Lyon (stays a member of the federation), C joins the new community
            call = odoo(coop)
            rennes_tag = call("res.partner.category", "create", {"name": GROUP_PREFIX + "Rennes"})
            mover, leaver = by_city["lyon"][0], by_city["lyon"][1]
            joiner = by_city["nantes"][0]
            call("res.partner", "write", [odoo_partner(call, mover)["id"]],
                 {"category_id": [[3, LYON_TAG], [4, NANTES_TAG]]})
            call("res.partner", "write", [odoo_partner(call, leaver)["id"]],
                 {"category_id": [[3, LYON_TAG]]})
            call("res.partner", "write", [odoo_partner(call, joiner)["id"]],
                 {"category_id": [[4, rennes_tag]]})
            second = coop.sync()
            assert_checks(self, [checks.ran(second, "pass after the moves")])
            stayed = [e for e in by_city["lyon"] if e not in (mover, leaver)]
            self.assert_community(coop, "lyon", GROUP_PREFIX + "Lyon", stayed)
            self.assert_community(coop, "nantes", GROUP_PREFIX + "Nantes", by_city["nantes"] + [mover])
            self.assert_community(coop, "rennes", GROUP_PREFIX + "Rennes", [joiner])
            # leaving the room: kicked by the bridge (an invite withdrawn reads "leave")
            room = coop.state("matrix")["rooms"][lyon_room]
            for email in (mover, leaver):
                self.assertEqual(room["members"].get(matrix_id(email)), "leave",
                                 "%s removed from the Lyon room" % email)
                kicks = [e for e in room["member_events"] if e["target"] == matrix_id(email)
                         and e["content"].get("membership") == "leave"]
                self.assertEqual(len(kicks), 1, "%s kicked once" % email)
                self.assertNotEqual(kicks[0]["sender"], matrix_id(email), "kicked by the bridge")
            # the configuration forbids creating Mobilizon groups: none was made
            mob_groups_after = [a for a in coop.state("mobilizon")["actors"] if a["type"] == "GROUP"]
            self.assertEqual(mob_groups_after, mob_groups_before)

            # the pass after writes nothing, on coopsync's count and on the servers
            assert_quiet_pass(self, coop, "third pass")


if __name__ == "__main__":
    run_tests()
