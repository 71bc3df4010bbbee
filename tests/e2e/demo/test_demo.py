"""The demo works: tests/e2e/demo.py on a smaller cooperative (40 members, 4 communities,
8 events) runs the dry run and both passes, and every check it prints passes, including
"second pass: 0 writes" counted by coopsync and by the servers."""
import os
import subprocess
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from harness import run_tests  # noqa: E402


class Demo(unittest.TestCase):
    def test_demo_on_a_small_cooperative(self):
        p = subprocess.run(["/usr/bin/python3", os.path.join(E2E, "demo.py"), "--members", "40",
                            "--communities", "4", "--events", "8"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1100)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, out[-6000:])
        self.assertIn("second pass: 0 writes", out)
        self.assertNotIn("[FAILED]", out)


if __name__ == "__main__":
    run_tests()
