"""Requests per route of a pass (issue 7's benchmark, small): the initial sync of N members
in G groups from Odoo to Nextcloud and Matrix makes no adopt-before-create lookup and no
membership read before an invite once the systems' complete listings were read in the same
pass, no request of its own per membership (they ride in the account's or the room's
creation), and the no-op pass reads no Matrix account one by one. Counted from the simulators'
access logs, never timed: a lookup per member coming back fails here, whatever the machine."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "..", "bench"))
sys.dont_write_bytecode = True

from coopbench import cluster as bench_cluster  # noqa: E402
from coopbench import routes  # noqa: E402
from coopbench import seed as bench_seed  # noqa: E402
from harness import run_tests  # noqa: E402

N, G = 40, 4

# Routes that once cost a request per member (or two) and must not come back.
PER_MEMBER_LOOKUPS = {
    "matrix": ["GET /_synapse/admin/v1/threepid/:id/users/:id",
               "GET /_synapse/admin/v2/users/:id",
               "GET /_matrix/client/v3/rooms/:id/state/m.room.member/:id"],
    "nextcloud": ["GET /ocs/v2.php/cloud/users/details?format&limit&offset&search"],
}


# Requests of memberships of their own, which the initial sync makes none of.
FOLDED_MEMBERSHIPS = [("nextcloud", "POST /ocs/v2.php/cloud/users/:id/groups?format"),
                      ("matrix", "POST /_matrix/client/v3/rooms/:id/invite")]


class RequestCounts(unittest.TestCase):
    def counts(self, cl, marks):
        out = {}
        for name, sim in cl.sims.items():
            with open(sim.log_path, encoding="utf-8", errors="replace") as f:
                out[name], marks[name] = routes.count(f.read(), marks.get(name, 0))
        return out

    def test_initial_and_noop_pass_request_counts(self):
        data = bench_seed.build(N, G)
        verbose = {s: ["--verbose"] for s in bench_seed.SYSTEMS}
        with bench_cluster.Cluster(data, "60s", sim_args=verbose) as cl:
            marks = {}
            self.counts(cl, marks)   # whatever the simulators logged while starting
            first = cl.measure("sync", "--json")
            self.assertEqual(first.code, 0, first.stderr[-3000:])
            init = self.counts(cl, marks)
            self.assertEqual((first.json or {}).get("writes"), 2 * N + 2 * N + G + G,
                             "accounts, memberships and groups in both systems")
            # Where the pass spent its time, per phase and per system written to.
            phases = (first.json or {}).get("seconds", {})
            self.assertEqual(sorted(k for k in phases if not k.startswith("apply ")),
                             ["plan", "pull", "replan"], phases)
            self.assertIn("apply chat", phases)
            self.assertTrue(all(v >= 0 for v in phases.values()), phases)
            # ...and the requests it made to each system, as the simulators counted them.
            http = (first.json or {}).get("http", {})
            for system, sim in (("odoo", "odoo"), ("cloud", "nextcloud"), ("chat", "matrix")):
                self.assertEqual(http.get(system, {}).get("requests"), sum(init[sim].values()),
                                 (system, http))
                self.assertGreater(http[system]["seconds"], 0, (system, http))
            # ...and its calls into the store: at least one per write.
            store = (first.json or {}).get("store", {})
            self.assertGreaterEqual(store.get("calls", 0), first.json["writes"], store)
            self.assertGreater(store.get("seconds", 0), 0, store)
            for system, lookups in PER_MEMBER_LOOKUPS.items():
                for route in lookups:
                    self.assertEqual(init[system].get(route, 0), 0,
                                     "initial sync: %s %s %s" % (system, route, init[system]))
            # Memberships ride in the creations (Nextcloud's addUser groups[], Matrix's
            # createRoom invite lists, the space's creation inviting every member): no
            # request of their own.
            for system, route in FOLDED_MEMBERSHIPS:
                self.assertEqual(init[system].get(route, 0), 0,
                                 "initial sync: %s %s %s" % (system, route, init[system]))
            # What the outcome needs (one request per account, two per room, one per group),
            # plus listings and a fixed overhead: not a request more per member.
            matrix_total = sum(init["matrix"].values())
            cloud_total = sum(init["nextcloud"].values())
            self.assertLessEqual(matrix_total, N + 2 * G + 15, init["matrix"])
            self.assertLessEqual(cloud_total, N + G + 6, init["nextcloud"])

            noop = cl.measure("sync", "--json")
            self.assertEqual(noop.code, 0, noop.stderr[-3000:])
            self.assertEqual((noop.json or {}).get("writes"), 0, noop.stdout[-2000:])
            # Nothing changed: the no-op pass compares what it lists (a lookup or two a record),
            # it plans and settles nothing (the initial sync: a dozen calls a record and more).
            noop_store = (noop.json or {}).get("store", {}).get("calls", 0)
            self.assertLess(noop_store, store["calls"] // 4, (noop_store, store))
            again = self.counts(cl, marks)
            for route in PER_MEMBER_LOOKUPS["matrix"]:
                self.assertEqual(again["matrix"].get(route, 0), 0,
                                 "no-op pass: %s %s" % (route, again["matrix"]))
            self.assertLessEqual(sum(again["matrix"].values()), N // 50 + G + 20, again["matrix"])


if __name__ == "__main__":
    run_tests()
