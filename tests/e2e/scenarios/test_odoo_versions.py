"""Scenario 12 (SCENARIOS.md), Odoo versions: the same configuration works against Odoo 14
to 18 (XML-RPC; `mobile` gone from 18 on, fields renamed between versions) and 19 (JSON-2
with the API key), the connector finding out from version() and fields_get. The onboarding
flow (first pass, a newcomer tagged in Odoo, a pass that writes nothing) runs against each
simulated version (tests/sim/odoo --odoo-version) and leaves the same state on the servers.

14 and 15 were not captured (../shared/fixtures has 16 and 19): the simulator answers as 16
for them, with their own version number."""
import os
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from faultkit import TunedCooperative, add_member, invariants, outbox_clean  # noqa: E402
from harness import run_tests  # noqa: E402
from seed import MAIL_DOMAIN, build_seed  # noqa: E402
import checks  # noqa: E402

VERSIONS = ["14", "15", "16", "17", "18", "19"]


def comparable(coop):
    """The servers' state without what differs from one run to another (ids minted by the
    servers, timestamps, tokens)."""
    nc = coop.state("nextcloud")
    mx = coop.state("matrix")
    odoo = coop.state("odoo")
    cats = {c["id"]: c["name"] for c in odoo["res.partner.category"]}
    rooms = {}
    for r in mx["rooms"].values():
        rooms[(r["aliases"] or [r["name"]])[0]] = sorted(r["members"].items())
    return {
        "odoo": sorted((p["name"], p["email"], p.get("phone") or None,
                        sorted(cats[i] for i in p["category_id"]))
                       for p in odoo["res.partner"] if p.get("email")),
        "odoo_events": sorted(e["name"] for e in odoo.get("event.event", [])),
        "nextcloud": {u: (v["email"], v["displayname"], v["enabled"], sorted(v["groups"]))
                      for u, v in nc["users"].items()},
        "nextcloud_groups": {g: sorted(v["members"]) for g, v in nc["groups"].items()},
        "matrix_users": {u: (v.get("displayname"), v.get("deactivated")) for u, v in mx["users"].items()},
        "matrix_rooms": rooms,
    }


class OdooVersions(unittest.TestCase):
    def onboarding(self, version):
        seed = build_seed(members=8, communities=2, events=2, by_hand=0.25, registrations=False,
                          conflict=False)
        facts = seed["facts"]
        with TunedCooperative(seed, sim_args={"odoo": ["--odoo-version", version]}) as coop:
            self.assertEqual(coop.state("odoo")["version"], int(version))
            first = coop.sync()
            assert_checks(self, [checks.ran(first, "odoo %s: first pass" % version)])
            add_member(coop, facts, "Éloïse Lefèvre-Bérenger", "eloise.lb@" + MAIL_DOMAIN,
                       facts["communities"][1])
            second = coop.sync()
            assert_checks(self, [checks.ran(second, "odoo %s: pass after the newcomer" % version)])
            coop.sync()   # settles what the pass after the newcomer wrote
            assert_quiet_pass(self, coop, "odoo %s: last pass" % version)
            assert_checks(self, invariants(coop, facts) + [outbox_clean(coop)], "odoo " + version)
            return comparable(coop)

    def test_same_configuration_same_result_on_every_version(self):
        results = {}
        for version in VERSIONS:
            with self.subTest(odoo=version):
                results[version] = self.onboarding(version)
        reference = results.get("16")
        self.assertIsNotNone(reference)
        for version, state in results.items():
            for part in reference:
                self.assertEqual(state[part], reference[part], "odoo %s vs 16: %s" % (version, part))


if __name__ == "__main__":
    run_tests()
