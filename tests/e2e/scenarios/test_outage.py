"""Scenario 10 (SCENARIOS.md), Outage: Nextcloud is down (every request answered 503 or its
connection dropped), Matrix answers 429 with retry_after_ms for a while, Odoo times out on
every third call (held longer than coopsync's configured timeout). coopsync keeps working
for the others (Matrix accounts and rooms, Odoo events from Mobilizon), does not hammer the
system that is down, keeps what it could not write in the outbox with a backoff, and
changes made in Odoo during the outage (a rename, a move, a newcomer) are not lost: when
everything is back, every system converges with no duplicate and nothing left over.
Asserted on the servers' state."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from faultkit import (TunedCooperative, add_member, assert_converged, clear_faults,  # noqa: E402
                      faults, injected, move, rename, report)
from harness import run_tests  # noqa: E402
from seed import MAIL_DOMAIN, MATRIX_SERVER, build_seed  # noqa: E402

RETRY = "{max_attempts: 30, initial_backoff: 200ms, max_backoff: 2s}"
ODOO_TIMEOUT_MS = 1000


def odoo_faults(coop):
    faults(coop, "odoo", every_nth=3, kinds=["timeout"], hold_ms=ODOO_TIMEOUT_MS + 1000)


class Outage(unittest.TestCase):
    def test_others_go_on_and_everything_converges_after(self):
        seed = build_seed(members=24, communities=3, events=4, by_hand=0.1, registrations=True,
                          conflict=False)
        facts = seed["facts"]
        keys = {s: {"retry": RETRY} for s in ("odoo", "nextcloud", "matrix", "mobilizon")}
        keys["odoo"]["timeout"] = "%dms" % ODOO_TIMEOUT_MS
        with TunedCooperative(seed, system_keys=keys) as coop:
            nc_before = coop.state("nextcloud")
            faults(coop, "nextcloud", rate=1.0, kinds=["status:503", "drop"])
            faults(coop, "matrix", rate=0.5, count=40, kinds=["rate_limit"], retry_after_ms=150)
            odoo_faults(coop)

            # --- during the outage ------------------------------------------------------
            first = coop.sync()
            j = first.json or {}
            self.assertEqual(first.returncode, 3, "a system is unreachable: " + str(report(first)))
            self.assertTrue(j["systems"]["cloud"]["error"], report(first))
            self.assertEqual(coop.state("nextcloud")["users"], nc_before["users"])
            # the others went on: Matrix accounts and rooms, Mobilizon's events in Odoo
            mx = coop.state("matrix")
            made = [m for m in facts["members"] if "@%s:%s" % (m["email"].split("@")[0], MATRIX_SERVER)
                    in mx["users"] or any(m["email"] in u.get("emails", []) for u in mx["users"].values())]
            self.assertGreater(len(made), len(facts["members"]) // 2,
                               "matrix accounts made while nextcloud is down")
            self.assertGreater(injected(coop, "matrix"), 0, "matrix answered 429")
            self.assertGreater(injected(coop, "odoo"), 0, "odoo timed out")
            self.assertGreater(j["pending"], 0, "writes for nextcloud wait in the outbox")

            # what waits for nextcloud is in the outbox, retried later with a backoff
            ob = coop.run("outbox", "--json")
            cloud = [e for e in (ob.json or []) if e["system"] == "cloud"]
            self.assertTrue(cloud, "pending writes for nextcloud")
            self.assertTrue(all(e["state"] == "pending" for e in cloud))

            # changes in Odoo while Nextcloud is down (Odoo's faults paused for the edit)
            faults(coop, "odoo")
            m0, m1 = facts["members"][0], facts["members"][1]
            rename(coop, m0, "Renée Pendant-la-Panne")
            move(coop, m1, next(c for c in facts["communities"] if c != m1["community"]))
            add_member(coop, facts, "Noé Arrivé", "noe.arrive@" + MAIL_DOMAIN, facts["communities"][0])
            odoo_faults(coop)

            coop.reset_stats()
            second = coop.sync()
            self.assertEqual(second.returncode, 3, report(second))
            # a system that is down is not hammered: a health check, not one try per write
            # a system that is down is not hammered: its health check, tried a few times,
            # not one try per waiting write
            waiting = [e for e in (coop.run("outbox", "--json").json or []) if e["system"] == "cloud"]
            requests = coop.stats("nextcloud").get("requests", 0)
            self.assertLessEqual(requests, 6, "requests to nextcloud while it is down")
            self.assertGreater(len(waiting), requests, "writes waiting for nextcloud")

            # --- everything is back -----------------------------------------------------
            clear_faults(coop)
            assert_converged(self, coop, facts, "after the outage")
            nc = coop.state("nextcloud")["users"]
            self.assertEqual(nc["noe.arrive"]["displayname"], "Noé Arrivé")
            self.assertEqual([v["displayname"] for v in nc.values() if v["email"] == m0["email"]],
                             ["Renée Pendant-la-Panne"])


if __name__ == "__main__":
    run_tests()
