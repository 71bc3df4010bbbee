"""A person copies an event of one community's calendar into another community's calendar with
their calendar app, UID and all (Nextcloud and Radicale keep a UID unique per calendar only,
so the copy is accepted). Before, the next pass read the copy as a new event of the second
community: a new entity, a second event created in Mobilizon, announced again in Matrix, and
a conflict in Odoo (whose create found the first event by title and start, already linked).
Expected, against a real Radicale: the pass creates nothing anywhere and raises no conflict;
the copy stays in the second calendar exactly as the person made it, the original is left as
it was; the daemon says why it did not import the copy; the pass after writes nothing."""
import base64
import os
import sys
import unittest
import urllib.error
import urllib.request

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass, ran  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import changed_systems, fingerprints, summaries  # noqa: E402
from seed import build_seed  # noqa: E402


def caldav(coop, method, path, body=None, headers=None):
    """A request to the CalDAV server as the person's calendar app would send it."""
    user = coop.seed["secrets"]["caldav_user"]
    password = coop.seed["secrets"]["caldav_password"]
    req = urllib.request.Request("%s/%s/%s" % (coop.radicale.base_url, user, path),
                                 data=body.encode("utf-8") if body is not None else None,
                                 method=method)
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    req.add_header("Authorization", "Basic " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


class CalendarCopy(unittest.TestCase):
    def test_copy_into_another_communitys_calendar_is_not_a_new_event(self):
        seed = build_seed(members=4, communities=2, events=2, by_hand=0, registrations=False,
                          conflict=False)
        first, second = seed["facts"]["communities"]
        with Cooperative(seed, radicale=True) as coop:
            assert_checks(self, [ran(coop.sync(), "first pass")])
            events_before = summaries(coop)
            user = coop.seed["secrets"]["caldav_user"]
            folder = os.path.join(coop.radicale.dir, "collections", "collection-root", user, first)
            objects = sorted(n for n in os.listdir(folder) if n.endswith(".ics"))
            self.assertEqual(len(objects), 1, objects)
            status, original = caldav(coop, "GET", "%s/%s" % (first, objects[0]))
            self.assertEqual(status, 200)
            self.assertIn("X-COOPSYNC-GROUP:%s\r\n" % first, original)

            status, text = caldav(coop, "PUT", "%s/%s" % (second, objects[0]), original,
                                  {"Content-Type": "text/calendar; charset=utf-8",
                                   "If-None-Match": "*"})
            self.assertEqual(status, 201, text)
            before = fingerprints(coop)
            result = coop.sync()
            assert_checks(self, [ran(result, "pass after the copy")])
            report = result.json or {}
            self.assertEqual(result.returncode, 0, result.stdout[-3000:])
            self.assertEqual(report.get("new_entities"), 0, result.stdout[-3000:])
            self.assertEqual(report.get("conflicts_raised"), 0, result.stdout[-3000:])
            self.assertEqual(report.get("writes"), 0, result.stdout[-3000:])
            self.assertEqual(changed_systems(before, fingerprints(coop)), [])
            after = summaries(coop)
            self.assertEqual(after["mobilizon"], events_before["mobilizon"])
            self.assertEqual(after["odoo"]["events"], events_before["odoo"]["events"])
            self.assertIn("a copy of %s/%s" % (first, objects[0]), result.stderr)

            # The person's copy and the original, as they were.
            self.assertEqual(caldav(coop, "GET", "%s/%s" % (second, objects[0])), (200, original))
            self.assertEqual(caldav(coop, "GET", "%s/%s" % (first, objects[0])), (200, original))
            assert_quiet_pass(self, coop, "next pass")


if __name__ == "__main__":
    run_tests()
