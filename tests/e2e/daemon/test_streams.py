"""`coopsync daemon` follows Matrix through /sync as a push-like stream: with every system's
poll interval at an hour, a member who leaves their community's room in Element is taken
out of that community everywhere (Nextcloud group, Odoo tag) within the seconds a pass
takes, because the stream woke the daemon, not a timer. Asserted on the servers' state;
every wait is bounded and polls a condition (nothing asserts on time)."""
import os
import re
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from daemonkit import running_daemon  # noqa: E402
from harness import Cooperative, run_tests, wait_for  # noqa: E402
from observe import summaries  # noqa: E402
from seed import build_seed  # noqa: E402
import checks  # noqa: E402

def daemon_config(text, listen_port_file_dir):
    """The harness's config with every system polled hourly and a loopback listener."""
    text = re.sub(r"(?m)^(    type: \w+\n)", r"\1    poll_interval: 1h\n", text)
    return text + "daemon:\n  listen: 127.0.0.1:0\n"


class Streams(unittest.TestCase):
    def test_a_leave_in_matrix_reaches_the_others_through_sync(self):
        seed = build_seed(members=8, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        with Cooperative(seed, log_level="info") as coop:
            first = coop.sync()
            self.assertEqual([n for n, ok, d in [checks.ran(first, "first pass")] if not ok], [])
            with open(coop.config_path, encoding="utf-8") as f:
                config = daemon_config(f.read(), coop.dir)
            with open(coop.config_path, "w", encoding="utf-8") as f:
                f.write(config)

            with running_daemon(coop) as daemon:
                def passes():
                    try:
                        _, text = daemon.call("/metrics")
                    except (OSError, ValueError):
                        return 0
                    m = re.search(r"(?m)^coopsync_daemon_passes_total (\d+)", text)
                    return int(m.group(1)) if m else 0
                # The stream starts at the store's cursor: a leave made before its first
                # long-poll is still seen.
                wait_for(lambda: passes() >= 1, "the daemon's first pass")

                # someone of Lyon leaves the Lyon room in their own client
                after = summaries(coop)
                member = next(m for m in seed["facts"]["members"] if m["community"] == "lyon")
                uid = member["email"].split("@")[0]
                self.assertIn(uid, after["nextcloud"]["groups"]["lyon"]["members"])
                mx = next(u for u, v in after["matrix"]["users"].items()
                          if member["email"] in v.get("emails", []) or u.startswith("@%s:" % uid))
                room = next(rid for rid, r in after["matrix"]["rooms"].items()
                            if r["type"] != "m.space" and r["members"].get(mx) in ("invite", "join"))
                coop.sims["matrix"].control("act", {"user_id": mx, "action": "leave",
                                                    "room_id": room})

                def left_everywhere():
                    now = summaries(coop)
                    return uid not in now["nextcloud"]["groups"]["lyon"]["members"]
                wait_for(left_everywhere, "the leave to reach Nextcloud through the stream")
                after = summaries(coop)
                self.assertNotIn(after["matrix"]["rooms"][room]["members"].get(mx),
                                 ("invite", "join"), "not invited back into the room")


if __name__ == "__main__":
    run_tests()
