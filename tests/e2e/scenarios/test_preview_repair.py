"""Scenario 11 (SCENARIOS.md), Preview and repair: before a first real run, `coopsync sync
--dry-run` shows what would change per system and writes nothing (the servers and the
outbox are unchanged); the real pass then does exactly those writes (the same count per
system, and the servers show them). `coopsync status` shows per connector the last pass,
the lag, pending writes and dead letters. A write refused for good (Nextcloud answers 400
to an account creation) becomes a dead letter that `coopsync outbox --dead` lists and that
stays dead even once the cause is fixed, until `coopsync outbox retry` replays it: the next
pass then writes it, once."""
import os
import sys
import unittest
from collections import Counter

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks  # noqa: E402
from faultkit import (TunedCooperative, add_member, faults, invariants, outbox_clean,  # noqa: E402
                      report)
from harness import run_tests  # noqa: E402
from observe import changed_systems, fingerprints  # noqa: E402
from seed import MAIL_DOMAIN, build_seed  # noqa: E402
import checks  # noqa: E402


def status_of(coop):
    st = coop.run("status", "--json")
    assert st.returncode == 0, st.stderr
    return {s["system"]: s for s in st.json["systems"]}


class PreviewAndRepair(unittest.TestCase):
    def test_dry_run_is_exact_and_dead_letters_are_replayed(self):
        seed = build_seed(members=12, communities=2, events=2, by_hand=0.25, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        with TunedCooperative(seed) as coop:
            never = status_of(coop)
            self.assertEqual({s["last_pass"] for s in never.values()}, {""})

            # --- the preview writes nothing ---------------------------------------------
            fp = fingerprints(coop)
            dry = coop.sync("--dry-run")
            self.assertIn(dry.returncode, (0, 1), dry.stderr[-2000:])
            self.assertEqual(changed_systems(fp, fingerprints(coop)), [], "servers untouched")
            self.assertEqual(coop.run("outbox", "--json").json, [], "nothing queued")
            self.assertEqual({s["last_pass"] for s in status_of(coop).values()}, {""})
            planned = Counter(p["system"] for p in dry.json["planned"])
            self.assertEqual(planned, Counter({n: s["planned"] for n, s in dry.json["systems"].items()
                                               if s["planned"]}))
            by_kind = Counter((p["system"], p["kind"], p["op"]) for p in dry.json["planned"])
            self.assertGreater(planned["cloud"], 0)
            self.assertGreater(planned["chat"], 0)
            # the human-readable preview lists the same writes
            text = coop.run("sync", "--dry-run")
            self.assertIn("Dry run: nothing was written", text.stdout)
            self.assertEqual(text.stdout.count(" (not yet in cloud)"),
                             sum(n for (s, _, op), n in by_kind.items() if s == "cloud" and op == "create"))

            # --- the real pass does exactly that ----------------------------------------
            nc_before = coop.state("nextcloud")
            real = coop.sync()
            assert_checks(self, [checks.ran(real, "real pass")])
            done = {n: s["created"] + s["adopted"] + s["updated"] + s["disabled"] + s["deleted"]
                    for n, s in real.json["systems"].items()}
            self.assertEqual({n: c for n, c in done.items() if c}, dict(planned), report(real))
            nc = coop.state("nextcloud")
            self.assertEqual(len(nc["users"]) - len(nc_before["users"]),
                             by_kind[("cloud", "person", "create")], "accounts made in Nextcloud")
            self.assertEqual(len(nc["groups"]) - len(nc_before["groups"]),
                             by_kind[("cloud", "group", "create")], "groups made in Nextcloud")
            status = status_of(coop)
            for name in ("odoo", "cloud", "chat", "events"):
                self.assertTrue(status[name]["last_pass"], name)
                self.assertGreaterEqual(status[name]["lag_seconds"], 0, name)
                self.assertEqual((status[name]["pending"], status[name]["dead"]), (0, 0), name)

            # --- a write refused for good: a dead letter ---------------------------------
            add_member(coop, facts, "Yannick Refusé", "yannick.refuse@" + MAIL_DOMAIN,
                       facts["communities"][0])
            faults(coop, "nextcloud", path_prefix="/ocs/v2.php/cloud/users", methods=["POST"],
                   rate=1.0, count=1, kinds=["status:400"])
            failing = coop.sync()
            self.assertEqual(failing.returncode, 1, "a dead letter needs attention: %s" % report(failing))
            self.assertEqual(failing.json["dead_letters"], 1, report(failing))
            self.assertNotIn("yannick.refuse", coop.state("nextcloud")["users"])
            dead = coop.run("outbox", "--dead", "--json").json
            self.assertEqual([(d["system"], d["kind"], d["op"]) for d in dead],
                             [("cloud", "person", "create")], dead)
            self.assertTrue(dead[0]["last_error"])
            self.assertEqual(status_of(coop)["cloud"]["dead"], 1)
            text = coop.run("status")
            self.assertRegex(text.stdout, r"cloud\s+nextcloud\s+\S+\s+\S+\s+\d+\s+\d+\s+1\n")

            # the cause is fixed, but a dead letter waits for a human
            faults(coop, "nextcloud")
            again = coop.sync()
            self.assertEqual(again.returncode, 1, report(again))
            self.assertNotIn("yannick.refuse", coop.state("nextcloud")["users"])
            self.assertEqual(coop.run("outbox", "--dead", "--json").json[0]["id"], dead[0]["id"])

            retry = coop.run("outbox", "retry", str(dead[0]["id"]))
            self.assertEqual(retry.returncode, 0, retry.stderr)
            self.assertEqual(coop.run("outbox", "--dead", "--json").json, [])
            replayed = coop.sync()
            assert_checks(self, [checks.ran(replayed, "pass after the retry")])
            self.assertEqual(replayed.returncode, 0, report(replayed))
            # the account, then (in the same pass) its group membership that waited for it
            self.assertEqual(replayed.json["systems"]["cloud"]["created"], 2, report(replayed))
            users = coop.state("nextcloud")["users"]
            self.assertEqual(users["yannick.refuse"]["displayname"], "Yannick Refusé")
            self.assertEqual([u for u, v in users.items()
                              if v.get("email") == "yannick.refuse@" + MAIL_DOMAIN], ["yannick.refuse"])
            bad = coop.run("outbox", "retry", str(dead[0]["id"]))
            self.assertEqual(bad.returncode, 2, "only a dead letter can be retried")
            assert_checks(self, invariants(coop, facts) + [outbox_clean(coop)])


if __name__ == "__main__":
    run_tests()
