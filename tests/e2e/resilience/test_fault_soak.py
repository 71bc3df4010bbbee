"""Fault soak (issue 7): the four simulators fail 20% of the requests at random, each way a
server or network fails: 5xx, timeouts (held longer than coopsync's configured per-request
timeout), connections dropped before the request is read, dropped after it was carried out
(the write happened, the answer was lost) and 429 with a retry hint. Passes are repeated
while members are renamed, added and moved between communities in Odoo, some of them back
to the community they left (COOPSYNC_SOAK_MOVES: back, the default; 1 one-way moves only; 0
none); then the faults stop and the passes converge: each member exactly once in each
system with the final value of every field, each event once and announced once, nothing
left in the outbox. Asserted on the servers.

The faults are drawn from seeded RNGs in the simulators (printed; replay with
COOPSYNC_SOAK_SEED)."""
import os
import random
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from faultkit import (TunedCooperative, add_member, assert_converged, clear_faults,  # noqa: E402
                      faults, injected, move_some, rename, report)
from harness import SYSTEMS, run_tests  # noqa: E402
from seed import MAIL_DOMAIN, build_seed  # noqa: E402

# back: members move, and some move back to a community they left (issue 3); 1: one-way
# moves only; 0: none. Seeds that found bugs: 602705521 (an add whose answer was lost, read
# back after the move, taken for her joining again), 847545097 (a member invited with her
# room's creation, which failed on its space link, left before the retry: nobody took the
# invite back), 332530532 (accounts created where the listing could not be read: a second
# account for a member who had one by hand).
MOVES = os.environ.get("COOPSYNC_SOAK_MOVES", "back")
SEED = int(os.environ.get("COOPSYNC_SOAK_SEED") or random.SystemRandom().randrange(1, 10**9))
RATE = 0.2
PASSES = 5
TIMEOUT = "800ms"           # coopsync's per-request timeout; the simulators hold 1.3 s
KINDS = ["status:500", "status:503", "timeout", "drop", "drop_after", "rate_limit"]
RETRY = "{max_attempts: 40, initial_backoff: 50ms, max_backoff: 500ms}"


def fault_everything(coop, round_no):
    for k, name in enumerate(SYSTEMS):
        faults(coop, name, rate=RATE, kinds=KINDS, hold_ms=1300, retry_after_ms=100,
               seed=SEED * 10 + k + 100 * round_no)


class FaultSoak(unittest.TestCase):
    def test_random_faults_then_convergence(self):
        print("fault soak: seed %d (replay: COOPSYNC_SOAK_SEED=%d)" % (SEED, SEED), flush=True)
        rng = random.Random(SEED)
        seed = build_seed(members=30, communities=3, events=4, by_hand=0.1, registrations=True,
                          conflict=False, rng_seed=SEED)
        facts = seed["facts"]
        keys = {name: {"retry": RETRY} for name in SYSTEMS}
        keys["odoo"]["timeout"] = TIMEOUT
        keys["nextcloud"]["timeout"] = TIMEOUT
        keys["mobilizon"]["timeout"] = TIMEOUT
        keys["matrix"]["request_timeout"] = TIMEOUT
        keys["matrix"]["rate_limit_max_wait"] = "5s"
        with TunedCooperative(seed, system_keys=keys) as coop:
            runs, hits = [], dict.fromkeys(SYSTEMS, 0)
            for round_no in range(PASSES):
                fault_everything(coop, round_no)
                r = coop.sync()
                runs.append(report(r))
                self.assertIn(r.returncode, (0, 1, 3), "seed %d: %s" % (SEED, report(r)))
                for name in SYSTEMS:
                    hits[name] += injected(coop, name)
                clear_faults(coop)       # edits by people go through (Odoo's own API)
                members = facts["members"]
                for m in rng.sample(members, 2):
                    rename(coop, m, m["name"] + " S%d" % round_no)
                if MOVES != "0":
                    move_some(coop, rng, facts, 2, back=MOVES == "back")
                add_member(coop, facts, "Nouvelle Soak %d" % round_no,
                           "soak.%d@%s" % (round_no, MAIL_DOMAIN), rng.choice(facts["communities"]))
            self.assertTrue(all(hits.values()), "every system was faulted: %s" % hits)
            assert_converged(self, coop, facts,
                             "seed %d; passes under faults: %s" % (SEED, runs))


if __name__ == "__main__":
    run_tests()
