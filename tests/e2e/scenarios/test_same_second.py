"""Odoo edits made in the second of a read (issue 3: "same-second writes not missed"). Odoo's write_date has second precision, so an
edit made in the second coopsync last read keeps the write_date it read; the Odoo simulator's
clock is frozen on one second here, which makes every edit such an edit, deterministically.
Each pass reads that second again (cursor_overlap_seconds) as long as it is that recent by
Odoo's clock (frozen here on it, so always): unchanged records must write nothing anywhere,
edited ones must reach every system.
Asserted on the servers' state."""
import os
import sys
import time
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from faultkit import TunedCooperative, converge, invariants, outbox_clean, rename  # noqa: E402
from harness import run_tests  # noqa: E402
from seed import build_seed  # noqa: E402


def nc_user(coop, email):
    users = [u for u in coop.state("nextcloud")["users"].values() if u["email"] == email]
    return users[0] if len(users) == 1 else None


class SameSecond(unittest.TestCase):
    def test_edits_in_the_second_of_a_read(self):
        seed = build_seed(members=6, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False, rng_seed=5)
        facts = seed["facts"]
        with TunedCooperative(seed) as coop:
            # From here on every Odoo write is in this one second (ahead of the real clock:
            # the simulator never moves its clock backwards).
            second = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 2))
            coop.seed_more("odoo", {"clock": second})
            converge(coop)
            assert_quiet_pass(self, coop, "pass after converging")

            m = facts["members"][0]
            rename(coop, m, "Renommée Même Seconde")
            converge(coop)
            self.assertEqual((nc_user(coop, m["email"]) or {}).get("displayname"), "Renommée Même Seconde")

            assert_checks(self, invariants(coop, facts) + [outbox_clean(coop)], "after the rename")
            # The rename's second never closes (the clock stays in it): every pass reads it
            # again, and the record read again unchanged writes nothing anywhere.
            quiet = assert_quiet_pass(self, coop, "pass re-reading the renamed record")
            self.assertGreater(((quiet.json or {}).get("systems") or {}).get("odoo", {}).get("read", 0), 0,
                               "the pass read Odoo's newest second again: %s" % quiet.stdout[-1500:])


if __name__ == "__main__":
    run_tests()
