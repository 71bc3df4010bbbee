"""Scenario 6 (SCENARIOS.md), Events: an event created in Mobilizon by a group, and one made
in Odoo Events (tagged with the community's event tag), appear in the group's calendar (a
real Radicale as CalDAV server) with Europe/Paris wall-clock times across the daylight-saving
change (created in December for a date in summer: DTSTART;TZID=Europe/Paris with the summer
hour, and a VTIMEZONE), in Odoo Events as UTC instants, in Mobilizon, and are announced once
in the group's Matrix room. Moving an event edits the calendar entry and edits the
announcement (m.replace), no second announcement; cancelling it propagates (calendar STATUS,
Odoo archived, announcement edited to say so). Each pass after a change is followed by one
that writes nothing. Asserted on the servers' state."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from scenario_apis import (CREATE_EVENT, UPDATE_EVENT, Mobilizon, odoo, unfold,  # noqa: E402
                           vevent_props)
from seed import GROUP_PREFIX, MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402

LYON_GROUP_ACTOR = "100"   # seed.py: Mobilizon group actors 100 + city index
BRIDGE_ACTOR = "9"
SUMMER = {"title": "Fête de l'été", "beginsOn": "2027-06-12T08:00:00Z",   # 10:00 in Paris (CEST)
          "endsOn": "2027-06-12T10:30:00Z"}
ODOO_EVENT = {"name": "Assemblée régionale", "date_begin": "2027-07-03 16:30:00",  # 18:30 CEST
              "date_end": "2027-07-03 19:00:00", "date_tz": "Europe/Paris"}
EVENT_OPTIONS = {"timezone": "Europe/Paris"}
# updateEvent resets what it is not sent (Mobilizon 5.1.3): a person's client resends it all
UPDATE_REST = {"visibility": "PUBLIC", "joinOptions": "FREE", "category": "MEETING",
               "language": "fr", "options": EVENT_OPTIONS}


class Events(unittest.TestCase):
    def calendar(self, coop, slug):
        """{SUMMARY: (VEVENT properties, ics)} of the group calendar in Radicale."""
        items = coop.caldav_files().get("collection-root/coopsync/" + slug, [])
        out = {}
        for ics in items:
            props = vevent_props(ics)
            self.assertNotIn(props.get("SUMMARY"), out, "one calendar entry per event")
            out[props.get("SUMMARY")] = (props, ics)
        return out

    def assert_paris(self, props, ics, start, end):
        self.assertEqual(props.get("DTSTART;TZID=Europe/Paris"), start, props)
        self.assertEqual(props.get("DTEND;TZID=Europe/Paris"), end, props)
        lines = unfold(ics)
        self.assertIn("BEGIN:VTIMEZONE", lines)
        self.assertIn("TZID:Europe/Paris", lines)
        self.assertIn("TZOFFSETTO:+0200", lines, "the summer offset is described")

    def announcements(self, coop, slug):
        """(effective messages, raw timeline messages) of the community's room."""
        alias = "#coop_%s:%s" % (slug, MATRIX_SERVER)
        rooms = [r for r in coop.state("matrix")["rooms"].values() if alias in r["aliases"]]
        self.assertEqual(len(rooms), 1, alias)
        return rooms[0]["messages"], rooms[0]["raw_messages"]

    def test_events_reach_calendar_odoo_mobilizon_and_room_once(self):
        seed = build_seed(members=4, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        with Cooperative(seed, radicale=True) as coop:
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "first pass")])
            # December 2026: the Lyon group publishes its summer party in Mobilizon ...
            mob = Mobilizon(coop, "bridge@coop.example",
                            coop.env["COOPSYNC_E2E_MOBILIZON_PASSWORD"])
            made = mob.ok(CREATE_EVENT, dict(
                SUMMER, organizerActorId=BRIDGE_ACTOR, attributedToId=LYON_GROUP_ACTOR,
                description="<p>Au parc de la Tête d'Or.</p>", status="CONFIRMED",
                visibility="PUBLIC", joinOptions="FREE", draft=False, category="MEETING",
                options=EVENT_OPTIONS, language="fr"))["createEvent"]
            # ... and Nantes's assembly is entered in Odoo Events with the community's tag
            call = odoo(coop)
            tag = call("event.tag", "create", {"name": GROUP_PREFIX + "Nantes"})
            odoo_id = call("event.event", "create", dict(ODOO_EVENT, tag_ids=[[6, 0, [tag]]]))

            second = coop.sync()
            assert_checks(self, [checks.ran(second, "pass after the events")])
            lyon, nantes = self.calendar(coop, "lyon"), self.calendar(coop, "nantes")
            self.assertEqual(sorted(lyon), [SUMMER["title"]])
            self.assertEqual(sorted(nantes), [ODOO_EVENT["name"]])
            self.assert_paris(*lyon[SUMMER["title"]], "20270612T100000", "20270612T123000")
            self.assert_paris(*nantes[ODOO_EVENT["name"]], "20270703T183000", "20270703T210000")
            # Odoo Events: UTC instants and the zone
            events = {e["name"]: e for e in coop.state("odoo")["event.event"]}
            self.assertEqual(len(events), 2)
            summer = events[SUMMER["title"]]
            self.assertEqual((summer["date_begin"], summer["date_end"], summer["date_tz"]),
                             ("2027-06-12 08:00:00", "2027-06-12 10:30:00", "Europe/Paris"))
            lyon_tags = call("event.tag", "search_read", [["id", "in", summer["tag_ids"]]],
                             fields=["name"])
            self.assertEqual([t["name"] for t in lyon_tags], [GROUP_PREFIX + "Lyon"])
            # Mobilizon: the Odoo event published by the Nantes group, same instant and zone
            mob_events = {e["title"]: e for e in coop.state("mobilizon")["events"]}
            self.assertEqual(sorted(mob_events), sorted([SUMMER["title"], ODOO_EVENT["name"]]))
            assembly = mob_events[ODOO_EVENT["name"]]
            self.assertEqual((assembly["begins_on"], assembly["options"].get("timezone")),
                             ("2027-07-03T16:30:00Z", "Europe/Paris"))
            self.assertEqual(assembly["attributed_to_id"], str(int(LYON_GROUP_ACTOR) + 1))
            # Matrix: announced once in each group's room, with the Paris wall-clock time
            lyon_msgs, _ = self.announcements(coop, "lyon")
            self.assertEqual(len(lyon_msgs), 1, lyon_msgs)
            self.assertIn(SUMMER["title"], lyon_msgs[0]["content"]["body"])
            self.assertIn("2027-06-12 10:00", lyon_msgs[0]["content"]["body"])
            nantes_msgs, _ = self.announcements(coop, "nantes")
            self.assertEqual(len(nantes_msgs), 1, nantes_msgs)
            self.assertIn("2027-07-03 18:30", nantes_msgs[0]["content"]["body"])
            assert_quiet_pass(self, coop, "pass after the events were spread")
            edits_before = lyon_msgs[0]["edits"]

            # moved a week later, in the afternoon: the same entries change, nothing is added
            mob.ok(UPDATE_EVENT, dict(UPDATE_REST, eventId=made["id"],
                                      beginsOn="2027-06-19T12:00:00Z",
                                      endsOn="2027-06-19T14:00:00Z"))
            moved = coop.sync()
            assert_checks(self, [checks.ran(moved, "pass after the move")])
            lyon = self.calendar(coop, "lyon")
            self.assertEqual(sorted(lyon), [SUMMER["title"]])
            self.assert_paris(*lyon[SUMMER["title"]], "20270619T140000", "20270619T160000")
            summer = call("event.event", "read", [summer["id"]], fields=["date_begin", "date_end"])[0]
            self.assertEqual((summer["date_begin"], summer["date_end"]),
                             ("2027-06-19 12:00:00", "2027-06-19 14:00:00"))
            lyon_msgs, raw = self.announcements(coop, "lyon")
            self.assertEqual(len(lyon_msgs), 1, "edited, not announced twice")
            self.assertEqual(lyon_msgs[0]["edits"], edits_before + 1)
            self.assertIn("2027-06-19 14:00", lyon_msgs[0]["content"]["body"])
            self.assertEqual(raw[-1]["content"]["m.relates_to"],
                             {"rel_type": "m.replace", "event_id": lyon_msgs[0]["event_id"]})
            assert_quiet_pass(self, coop, "pass after the move was spread")

            # cancelled in Mobilizon: cancelled in the calendar and in Odoo, announcement edited
            mob.ok(UPDATE_EVENT, dict(UPDATE_REST, eventId=made["id"], status="CANCELLED"))
            cancelled = coop.sync()
            assert_checks(self, [checks.ran(cancelled, "pass after the cancellation")])
            props, _ = self.calendar(coop, "lyon")[SUMMER["title"]]
            self.assertEqual(props.get("STATUS"), "CANCELLED")
            self.assertEqual(call("event.event", "search", [["id", "=", summer["id"]],
                                                            ["active", "=", True]]), [],
                             "archived in Odoo")
            lyon_msgs, _ = self.announcements(coop, "lyon")
            self.assertEqual(len(lyon_msgs), 1, "edited, not announced twice")
            self.assertIn("Cancelled", lyon_msgs[0]["content"]["body"])
            self.assertIn(SUMMER["title"], lyon_msgs[0]["content"]["body"])
            # the Nantes event was left alone all along
            nantes_msgs, _ = self.announcements(coop, "nantes")
            self.assertEqual([m["edits"] for m in nantes_msgs], [0])
            self.assertIsNotNone(odoo_id)
            assert_quiet_pass(self, coop, "pass after the cancellation was spread")


if __name__ == "__main__":
    run_tests()
