"""Issue 6, end to end with the real binary: a Mobilizon access token that expires in the
middle of a pass is survived. The simulator expires every access token after a set number
of requests of the pass (`/_sim/expire_tokens` with `after_requests`); the pass refreshes
once, replays, and brings the event made in Mobilizon to Odoo. The refresh token rotates at
each refresh (the old one is revoked), so the next run of coopsync, a new process, can only
resume without the password if the rotated token was stored at once: it must not log in.
Asserted on the servers' state and the simulator's request counts."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from scenario_apis import CREATE_EVENT, Mobilizon  # noqa: E402
from seed import build_seed  # noqa: E402
import checks  # noqa: E402

LYON_GROUP_ACTOR = "100"   # seed.py: Mobilizon group actors 100 + city index
BRIDGE_ACTOR = "9"
EVENT = {"title": "Atelier compost", "beginsOn": "2027-05-15T08:00:00Z",
         "endsOn": "2027-05-15T10:00:00Z"}


class TokenExpiryMidPass(unittest.TestCase):
    def test_expiry_mid_pass_is_survived_and_the_rotated_token_kept(self):
        seed = build_seed(members=4, communities=1, events=2, by_hand=0, registrations=False,
                          conflict=False)
        with Cooperative(seed) as coop:
            assert_checks(self, [checks.ran(coop.sync(), "first pass")])
            mob = Mobilizon(coop, "bridge@coop.example",
                            coop.env["COOPSYNC_E2E_MOBILIZON_PASSWORD"])
            mob.ok(CREATE_EVENT, dict(
                EVENT, organizerActorId=BRIDGE_ACTOR, attributedToId=LYON_GROUP_ACTOR,
                description="<p>Au jardin.</p>", status="CONFIRMED", visibility="PUBLIC",
                joinOptions="FREE", draft=False, category="MEETING",
                options={"timezone": "Europe/Paris"}, language="fr"))
            sim = coop.sims["mobilizon"]
            # The new process refreshes first (request 1), then reads: tokens die mid-pass.
            sim.control("expire_tokens", {"access": True, "after_requests": 3})
            coop.reset_stats()
            second = coop.sync()
            assert_checks(self, [checks.ran(second, "pass with a token expiring mid-pass")])
            state = coop.state("mobilizon")
            self.assertEqual(state["counts"].get("scheduled_expiries"), 1,
                             "the tokens expired during the pass, not after it")
            stats = coop.stats("mobilizon")
            self.assertGreaterEqual(stats.get("op:RefreshToken", 0), 2, stats)
            self.assertEqual(stats.get("op:Login", 0), 0,
                             "refreshed with the stored token, never the password: %s" % stats)
            titles = [e["name"] for e in coop.state("odoo")["event.event"]]
            self.assertIn(EVENT["title"], titles)

            # A new run resumes from the rotated refresh token stored during that pass.
            coop.reset_stats()
            assert_quiet_pass(self, coop, "pass after the expiry")
            stats = coop.stats("mobilizon")
            self.assertEqual(stats.get("op:Login", 0), 0,
                             "the last rotated refresh token was stored: %s" % stats)
            self.assertGreaterEqual(stats.get("op:RefreshToken", 0), 1, stats)


if __name__ == "__main__":
    run_tests()
