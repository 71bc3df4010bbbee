"""The built binary runs on the allocator its benchmark figures were measured with: jemalloc
(CMakeLists.txt, COOPSYNC_JEMALLOC, on by default). A build that silently fell back to
glibc's malloc would spend a fifth more CPU on a first sync (README, Benchmark)."""
import os
import subprocess
import unittest

BINARY = os.environ.get("COOPSYNC_BINARY", "coopsync")


class Allocator(unittest.TestCase):
    def test_jemalloc_serves_the_binary(self):
        # jemalloc prints its statistics at exit when asked through MALLOC_CONF; glibc's
        # malloc ignores the variable.
        env = dict(os.environ, MALLOC_CONF="stats_print:true")
        r = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=60,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("coopsync", r.stdout)
        self.assertIn("Begin jemalloc statistics", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
