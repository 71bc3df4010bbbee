"""`coopsync daemon` reads on each poll only the changes of the system it polls, and what a
system has no change feed for (Nextcloud's users, groups and members) on that system's own
slower schedule (full_read_interval) or when a webhook says it changed. Here every system is
polled each second and Nextcloud's full reads are an hour apart: an Odoo rename reaches
Nextcloud and Matrix through the polls, which list nothing of Nextcloud (its records-read
counter stays still); a display name changed by hand in Nextcloud is left unread by them,
and reaches Odoo and Matrix once a webhook of Nextcloud asks for a full read. Asserted on
the servers' state and the daemon's counters; every wait is bounded and polls a condition
(nothing asserts on time)."""
import os
import re
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from daemonkit import running_daemon  # noqa: E402
from edits import nextcloud_edit_user, odoo_partner_id, odoo_write  # noqa: E402
from harness import Cooperative, run_tests, wait_for  # noqa: E402
from seed import MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402

SECRET = "whs-feeds-2f7d9c1e5a8b4063"


def feeds_config(text):
    """The harness's config: names owned by nobody (anyone may rename themselves), every
    system polled each second, Nextcloud read whole hourly, a loopback listener."""
    owns = "owns: [given_name, family_name, email, phone]"
    assert text.count(owns) == 1
    text = text.replace(owns, "owns: [email, phone]")
    text = re.sub(r"(?m)^(    type: \w+\n)", r"\1    poll_interval: 1s\n", text)
    text = re.sub(r"(?m)^(    type: nextcloud\n)", r"\1    full_read_interval: 1h\n", text)
    return text + ("daemon:\n  listen: 127.0.0.1:0\n"
                   "  webhook_secret: ${COOPSYNC_E2E_WEBHOOK_SECRET}\n")


class Feeds(unittest.TestCase):
    def test_polls_read_changes_only_and_a_webhook_reads_nextcloud_whole(self):
        seed = build_seed(members=8, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        with Cooperative(seed, log_level="info") as coop:
            self.assertEqual([n for n, ok, d in [checks.ran(coop.sync(), "first pass")]
                              if not ok], [])
            with open(coop.config_path, encoding="utf-8") as f:
                config = feeds_config(f.read())
            with open(coop.config_path, "w", encoding="utf-8") as f:
                f.write(config)

            env = dict(coop.env, COOPSYNC_E2E_WEBHOOK_SECRET=SECRET)
            with running_daemon(coop, env) as daemon:
                self.exercise(coop, seed, daemon)

    def exercise(self, coop, seed, daemon):
        alice, bob = seed["facts"]["members"][0], seed["facts"]["members"][1]
        call = daemon.call

        def counters():
            try:
                _, text = call("/metrics")
            except (OSError, ValueError):
                return {}
            out = {}
            for m in re.finditer(r'(?m)^(coopsync_\w+)(\{system="(\w+)"\})? (\S+)$', text):
                out[(m.group(1), m.group(3))] = float(m.group(4))
            return out

        def passes():
            return counters().get(("coopsync_daemon_passes_total", None), 0)

        def cloud_read():
            return counters()[("coopsync_records_read_total", "cloud")]

        def users():
            return coop.state("nextcloud")["users"], coop.state("matrix")["users"]

        def name_of(member):
            nc, mx = users()
            uid = member["email"].split("@")[0]
            return (nc[uid]["displayname"],
                    mx["@%s:%s" % (uid, MATRIX_SERVER)].get("displayname"))

        wait_for(lambda: passes() >= 1, "the daemon's first pass (a full read)")
        listed = cloud_read()
        self.assertGreaterEqual(listed, len(seed["facts"]["members"]),
                                "the first pass reads Nextcloud whole")

        # Alice is renamed in Odoo; Bob renames himself in Nextcloud.
        alice_name, bob_name = alice["name"] + " Renamed", "Bob by hand"
        odoo_write(coop, "res.partner", [odoo_partner_id(coop, alice["email"])],
                   {"name": alice_name})
        nextcloud_edit_user(coop, bob["email"].split("@")[0], "displayname", bob_name)
        wait_for(lambda: name_of(alice) == (alice_name, alice_name),
                 "Alice's new name in Nextcloud and Matrix through Odoo's poll")
        polled = passes()
        wait_for(lambda: passes() >= polled + 3, "three more polls")
        self.assertEqual(cloud_read(), listed, "the polls listed nothing of Nextcloud")
        self.assertNotEqual(name_of(bob)[1], bob_name, "Bob's edit is not read yet")

        status, _ = call("/webhook/cloud", data=b"{}",
                         headers={"X-Coopsync-Secret": SECRET})
        self.assertEqual(status, 202)
        wait_for(lambda: name_of(bob)[1] == bob_name,
                 "Bob's name in Matrix after the webhook's full read of Nextcloud")
        # The counters are added when the pass ends, which may be after its writes show.
        wait_for(lambda: cloud_read() >= listed + len(seed["facts"]["members"]),
                 "the webhook's pass counted as reading Nextcloud whole")
        odoo_name = [p["name"] for p in coop.state("odoo")["res.partner"]
                     if p.get("email") == bob["email"]]
        self.assertEqual(odoo_name, [bob_name])


if __name__ == "__main__":
    run_tests()
