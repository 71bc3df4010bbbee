"""Odoo meetings (calendar.event, issue 3, `meetings: {enabled: true}`) in scenario 6's
shape: a meeting of the Lyon community entered in Odoo's calendar (tagged with the meeting
tag named like the community, two Lyon members invited) appears in the group's calendar (a
real Radicale) at its Europe/Paris wall-clock time, an all-day one on the day of the
daylight-saving change as a whole day, and in Mobilizon as an event of the group; the pass
after writes nothing, although Odoo stored the all-day meeting as 08:00-18:00 UTC and, on
Odoo 19, appended its organizer block to the description. An attendee taken off the
meeting in Odoo deletes that registration only. Run against the simulated Odoo 16
(XML-RPC) and 19 (JSON-2). Asserted on the servers' state."""
import json
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from scenario_apis import odoo, odoo_partner, unfold, vevent_props  # noqa: E402
from seed import GROUP_PREFIX, build_seed  # noqa: E402
import checks  # noqa: E402

MEETING = {"name": "Réunion du bureau", "start": "2027-07-03 16:30:00",  # 18:30 CEST
           "stop": "2027-07-03 18:00:00", "allday": False, "event_tz": "Europe/Paris",
           "location": "Salle commune", "description": "<p>Ordre du jour</p>"}
OPEN_DAY = {"name": "Journée portes ouvertes", "allday": True, "start_date": "2027-03-28",
            "stop_date": "2027-03-28", "start": "2027-03-28 00:00:00",
            "stop": "2027-03-28 00:00:00"}  # as captured (53); the clocks change that night


class MeetingsCooperative(Cooperative):
    """The e2e cooperative with Odoo's meetings turned on."""

    def write_config(self):
        path = super().write_config()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        marker = '    group_prefix: "%s"\n' % GROUP_PREFIX
        assert marker in text, "odoo section not found in the generated config"
        text = text.replace(marker, marker + "    meetings:\n      enabled: true\n", 1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


class Meetings(unittest.TestCase):
    def calendar(self, coop, slug):
        items = coop.caldav_files().get("collection-root/coopsync/" + slug, [])
        out = {}
        for ics in items:
            props = vevent_props(ics)
            self.assertNotIn(props.get("SUMMARY"), out, "one calendar entry per event")
            out[props.get("SUMMARY")] = (props, ics)
        return out

    def run_version(self, version):
        seed = build_seed(members=4, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        lyon_slug = facts["communities"][0]
        lyon_members = [m for m in facts["members"] if m["community"] == lyon_slug]
        with MeetingsCooperative(seed, radicale=True,
                                 sim_args={"odoo": ["--odoo-version", version]}) as coop:
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "odoo %s: first pass" % version)])
            call = odoo(coop)
            lyon_name = GROUP_PREFIX + lyon_slug.capitalize()
            tag = call("calendar.event.type", "create", {"name": lyon_name})
            invited = [odoo_partner(call, m["email"])["id"] for m in lyon_members]
            meeting = call("calendar.event", "create", dict(
                MEETING, categ_ids=[[6, 0, [tag]]], partner_ids=[[6, 0, invited]]))
            day = call("calendar.event", "create", dict(
                OPEN_DAY, categ_ids=[[6, 0, [tag]]], partner_ids=[[4, invited[0]]]))
            stored = {r["id"]: r for r in coop.state("odoo")["calendar.event"]}
            self.assertEqual((stored[day]["start"], stored[day]["stop"]),
                             ("2027-03-28 08:00:00", "2027-03-28 18:00:00"), "Odoo's rewrite")
            self.assertEqual("Organized by" in stored[meeting]["description"], version == "19")

            second = coop.sync()
            assert_checks(self, [checks.ran(second, "odoo %s: pass after the meetings" % version)])
            lyon = self.calendar(coop, lyon_slug)
            self.assertEqual(sorted(lyon), sorted([MEETING["name"], OPEN_DAY["name"]]))
            self.assertEqual(self.calendar(coop, facts["communities"][1]), {})
            props, ics = lyon[MEETING["name"]]
            self.assertEqual(props.get("DTSTART;TZID=Europe/Paris"), "20270703T183000", props)
            self.assertEqual(props.get("DTEND;TZID=Europe/Paris"), "20270703T200000", props)
            self.assertIn("TZOFFSETTO:+0200", unfold(ics))
            self.assertEqual(props.get("LOCATION"), MEETING["location"])
            self.assertEqual(props.get("DESCRIPTION"), "Ordre du jour", "no organizer block")
            props, _ = lyon[OPEN_DAY["name"]]
            self.assertEqual(props.get("DTSTART;VALUE=DATE"), "20270328", props)
            self.assertEqual(props.get("DTEND;VALUE=DATE"), "20270329", props)
            # Mobilizon: an event of the Lyon group at the same instant
            mob = {e["title"]: e for e in coop.state("mobilizon")["events"]}
            self.assertIn(MEETING["name"], mob)
            self.assertEqual(mob[MEETING["name"]]["begins_on"], "2027-07-03T16:30:00Z")
            # Odoo keeps its meetings as they were: nothing was written back
            after = {r["id"]: r for r in coop.state("odoo")["calendar.event"]}
            for rid in (meeting, day):
                self.assertEqual(after[rid]["write_date"], stored[rid]["write_date"])
                self.assertEqual(after[rid]["description"], stored[rid]["description"])
            self.assertEqual(len(coop.state("odoo")["event.event"]), 0, "no event.event made")
            assert_quiet_pass(self, coop, "odoo %s: pass after the meetings were spread" % version)

            # An attendee taken off the meeting in Odoo: that registration is deleted (the
            # audit says so), the other attendee's stays, and the next pass is quiet again.
            call("calendar.event", "write", [meeting], {"partner_ids": [[3, invited[0]]]})
            removed = coop.sync()
            assert_checks(self, [checks.ran(removed, "odoo %s: pass after the removal" % version)])
            self.assertEqual(self.deletions(coop, meeting, invited[0]), 1)
            self.assertEqual(self.deletions(coop, meeting, invited[1]), 0)
            self.assertEqual(self.deletions(coop, day, invited[0]), 0)
            assert_quiet_pass(self, coop, "odoo %s: pass after the removal was spread" % version)

    def deletions(self, coop, meeting, partner):
        """How many times the registration of `partner` to `meeting` was deleted from Odoo."""
        ext = "calendar.event:%d:partner:%d" % (meeting, partner)
        result = coop.run("audit", "--json", "--system", "odoo", "--external-id", ext,
                          "--kind", "registration")
        self.assertEqual(result.returncode, 0, result.stderr[-800:])
        entries = json.loads(result.stdout)
        self.assertTrue(any(e["action"] == "link" for e in entries), ext)  # it was known
        return sum(1 for e in entries if e["action"] == "delete" and e["from_system"] == "odoo")

    def test_odoo_meetings_reach_the_group_calendar_once(self):
        for version in ("16", "19"):
            with self.subTest(odoo=version):
                self.run_version(version)


if __name__ == "__main__":
    run_tests()
