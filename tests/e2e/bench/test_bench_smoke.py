"""scripts/bench in its smoke mode (50 members, 5 groups, 5 changes per latency path), so
the benchmark cannot rot: every phase runs against the simulators, coopsync's outcome equals
the floor client's, the no-op pass writes nothing, every change propagates, and the JSON
carries every figure. Asserts nothing about time: the figures are only checked to exist."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BINARY = os.path.abspath(os.environ.get("COOPSYNC_BINARY") or os.path.join(SOURCE, "build",
                                                                           "coopsync"))


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


class BenchSmoke(unittest.TestCase):
    def test_smoke_run_writes_every_figure(self):
        with tempfile.TemporaryDirectory(prefix="coopsync-bench-smoke-") as tmp:
            out = os.path.join(tmp, "results.json")
            p = subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "bench"),
                                "--smoke", "--routes", "--out", out],
                               env=dict(os.environ, COOPSYNC_BINARY=BINARY),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
            text = p.stdout.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, text + p.stderr.decode("utf-8", "replace")[-3000:])
            with open(out, encoding="utf-8") as f:
                res = json.load(f)
        self.assertEqual(res["problems"], [])
        self.assertIn("coopsync / floor", text)
        init, noop = res["initial"], res["noop"]["coopsync"]
        self.assertTrue(init["outcome_matches_floor"])
        for fig in (init["coopsync"], noop):
            for key in ("wall_s", "cpu_s", "cpu_over_wall", "peak_rss_mib"):
                self.assertTrue(number(fig[key]), (key, fig[key]))
            self.assertEqual(fig["exit"], 0)
            # The store's share, from sync --json: calls into SQLite and their time.
            self.assertTrue(number(fig["store_s"]) and 0 < fig["store_s"] < fig["wall_s"], fig)
            self.assertGreater(fig["store_calls"], 0)
        self.assertIn("calls into the store (SQLite)", text)
        self.assertGreater(init["coopsync"]["writes"], 0)
        self.assertEqual(noop["writes"], 0)
        self.assertTrue(number(init["floor"]["wall_s"]) and init["floor"]["wall_s"] > 0)
        self.assertEqual(init["floor"]["calls"]["nextcloud"], 5 + 50)   # groups + users
        self.assertTrue(number(init["ratio_to_floor"]))
        # --pairs (2 by default): the ratio is the fastest run of each side
        self.assertEqual(len(init["pairs"]), 2)
        self.assertEqual(init["coopsync"]["wall_s"], min(p["coopsync_wall_s"] for p in init["pairs"]))
        self.assertEqual(init["floor"]["wall_s"], min(p["floor_wall_s"] for p in init["pairs"]))
        # --routes: per-route counts from the access logs add up to the requests counted
        for system, n in init["coopsync"]["requests"].items():
            self.assertEqual(sum(init["coopsync"]["routes"][system].values()), n, system)
        self.assertEqual(init["floor"]["routes"]["nextcloud"].get(
            "POST /ocs/v2.php/cloud/users?format"), 50)
        lat = res["latency"]
        self.assertEqual(lat["changes"], 5)
        for path in ("odoo_poll", "matrix_sync"):
            for target, s in lat[path].items():
                self.assertEqual((s["n"], s["missed"]), (5, 0), (path, target))
                self.assertTrue(number(s["p50_s"]) and number(s["p99_s"]), (path, target, s))
        self.assertEqual(lat["daemon"]["exit"], 0)
        self.assertEqual([t["target"] for t in res["targets"] if t["measured"] is None], [])


if __name__ == "__main__":
    if not os.access(BINARY, os.X_OK):
        print("skipped: no coopsync binary at " + BINARY)
        sys.exit(77)
    unittest.main()
