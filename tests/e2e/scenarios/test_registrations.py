"""Scenario 7 (SCENARIOS.md), Registrations and capacity: registrations made in Odoo Events
and in Mobilizon count against one capacity. Once the event is full, further registrations
are wait-listed (engine.when_full: waitlist) or refused (refuse), and that status is written
back to the system they came from; seats already held are never taken back, and after every
pass each registration has the same status in every system that holds it, with no more
registered than the capacity. Asserted on the servers' state.

Mobilizon does not show other people's emails: its participants are recognised by their
display name, a configured identity key (identity.match.person: [email, phone, display_name]),
and Mobilizon's persons are read (`person: {}`) for that."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from scenario_apis import JOIN_EVENT, Mobilizon, odoo, odoo_partner  # noqa: E402
from seed import build_seed  # noqa: E402
import checks  # noqa: E402

CAPACITY = 3
EVENT_ID = "500"          # seed.py: the first Mobilizon event
ODOO_STATUS = {"open": "registered", "draft": "waitlisted", "cancel": "cancelled",
               "done": "attended"}
MOBILIZON_STATUS = {"PARTICIPANT": "registered", "NOT_APPROVED": "waitlisted",
                    "REJECTED": "cancelled"}


def cooperative_seed():
    """One community, one event of capacity 3 in Mobilizon, no registration yet, and a
    Mobilizon account (same name as in Odoo) for each of the first five members."""
    seed = build_seed(members=6, communities=1, events=1, by_hand=0, registrations=False,
                      conflict=False)
    mob = seed["mobilizon"]
    mob["events"][0]["options"]["maximum_attendee_capacity"] = CAPACITY
    members = seed["facts"]["members"][:5]
    for k, m in enumerate(members):
        mob["users"].append({"id": str(1000 + k), "email": m["email"], "password": "member-%d" % k,
                             "role": "USER", "default_actor_id": str(2000 + k)})
        mob["actors"].append({"id": str(2000 + k), "type": "PERSON",
                              "preferred_username": "m%d" % k, "name": m["name"],
                              "user_id": str(1000 + k)})
    return seed, members


def configure(coop, policy):
    with open(coop.config_path, encoding="utf-8") as f:
        text = f.read()
    for old, new in (("    person: [email, phone]\n", "    person: [email, phone, display_name]\n"),
                     ("  when_full: waitlist\n", "  when_full: %s\n" % policy),
                     ("      group: {create: false, update: false}\n",
                      "      person: {}\n      group: {create: false, update: false}\n")):
        assert old in text, old
        text = text.replace(old, new)
    with open(coop.config_path, "w", encoding="utf-8") as f:
        f.write(text)


class Registrations(unittest.TestCase):
    def statuses(self, coop, call, members):
        """({email: status} in Odoo, {email: status} in Mobilizon) for the event."""
        events = coop.state("odoo")["event.event"]
        self.assertEqual(len(events), 1)
        self.assertEqual((events[0]["seats_limited"], events[0]["seats_max"]), (True, CAPACITY))
        email_of = {p["id"]: p["email"] for p in coop.state("odoo")["res.partner"]}
        in_odoo = {}
        for r in coop.state("odoo")["event.registration"]:
            if r["event_id"] and r["event_id"][0] == events[0]["id"] and r.get("active", True):
                email = email_of[r["partner_id"][0]]
                self.assertNotIn(email, in_odoo, "one Odoo registration per person")
                in_odoo[email] = ODOO_STATUS[r["state"]]
        actor_email = {str(2000 + k): m["email"] for k, m in enumerate(members)}
        in_mob = {}
        for p in coop.state("mobilizon")["participants"]:
            if p["event_id"] == EVENT_ID and p["actor_id"] in actor_email:
                in_mob[actor_email[p["actor_id"]]] = MOBILIZON_STATUS[p["role"]]
        return in_odoo, in_mob

    def settled(self, coop, call, members, label, seated_before=()):
        """One pass, then the invariants on the servers; returns Odoo's statuses."""
        result = coop.sync()
        assert_checks(self, [checks.ran(result, label)])
        in_odoo, in_mob = self.statuses(coop, call, members)
        for email, status in in_mob.items():
            self.assertEqual(in_odoo.get(email), status,
                             "%s: %s has the same status in Odoo and Mobilizon" % (label, email))
        registered = sorted(e for e, s in in_odoo.items() if s == "registered")
        self.assertLessEqual(len(registered), CAPACITY, "%s: %s" % (label, in_odoo))
        for email in seated_before:
            self.assertEqual(in_odoo.get(email), "registered",
                             "%s: a seat already held is kept (%s)" % (label, email))
        event = call("event.event", "search_read", [], fields=["seats_available"])[0]
        self.assertEqual(event["seats_available"], CAPACITY - len(registered), label)
        return in_odoo

    def run_policy(self, policy, full_status):
        seed, members = cooperative_seed()
        with Cooperative(seed) as coop:
            configure(coop, policy)
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "first pass")])
            call = odoo(coop)
            event_id = call("event.event", "search", [])[0]

            # two members register in Odoo Events
            odoo_side = [m["email"] for m in members[:2]]
            for email in odoo_side:
                call("event.registration", "create", {
                    "event_id": event_id, "partner_id": odoo_partner(call, email)["id"],
                    "state": "open"})
            in_odoo = self.settled(coop, call, members, "pass after the Odoo registrations")
            self.assertEqual(in_odoo, {e: "registered" for e in odoo_side})

            # two more in Mobilizon, each with their own account: one seat left for two
            for k in (2, 3):
                Mobilizon(coop, members[k]["email"], "member-%d" % k).ok(
                    JOIN_EVENT, {"eventId": EVENT_ID, "actorId": str(2000 + k)})
            in_odoo = self.settled(coop, call, members, "pass after the Mobilizon registrations",
                                   seated_before=odoo_side)
            late = [members[k]["email"] for k in (2, 3)]
            self.assertEqual(sorted(in_odoo[e] for e in late), sorted(["registered", full_status]))
            seated = sorted(e for e, s in in_odoo.items() if s == "registered")
            self.assertEqual(len(seated), CAPACITY)
            assert_quiet_pass(self, coop, "pass after the capacity was settled")

            # the event is full: a fifth registration in Mobilizon waits / is refused
            Mobilizon(coop, members[4]["email"], "member-4").ok(
                JOIN_EVENT, {"eventId": EVENT_ID, "actorId": "2004"})
            in_odoo = self.settled(coop, call, members, "pass after a registration on a full event",
                                   seated_before=seated)
            self.assertEqual(in_odoo[members[4]["email"]], full_status)
            assert_quiet_pass(self, coop, "last pass")

    def test_full_event_waitlists(self):
        self.run_policy("waitlist", "waitlisted")

    def test_full_event_refuses(self):
        self.run_policy("refuse", "cancelled")


if __name__ == "__main__":
    run_tests()
