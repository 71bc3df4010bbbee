"""The simulator's schema (tests/sim/mobilizon/schema.graphql, coopsync's own subset) must be a
true subset of Mobilizon 5.1.3's schema.graphql: same types, field types, argument types,
enum values. Checked with graphql-js (check_subset.js). A deliberately broken copy of the
subset must be caught, so this test cannot pass vacuously."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mobilizon_testlib as lib  # noqa: E402

FIXTURES = lib.fixtures_dir()
NODE = lib.node()
CHECKER = os.path.join(lib.HERE, "check_subset.js")
SUBSET = os.path.join(lib.SIM_DIR, "schema.graphql")
REAL = os.path.join(FIXTURES, "schema.graphql")


def run_checker(subset_path):
    return subprocess.run([NODE, CHECKER, subset_path, REAL], capture_output=True, text=True, timeout=120)


class SubsetSchemaTest(unittest.TestCase):
    def test_subset_matches_real_schema(self):
        proc = run_checker(SUBSET)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("0 problem(s)", proc.stdout)

    def _broken(self, old, new):
        with open(SUBSET, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        fd, path = tempfile.mkstemp(suffix=".graphql")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
        self.addCleanup(os.unlink, path)
        return run_checker(path)

    def test_wrong_field_type_is_caught(self):
        proc = self._broken("maximumAttendeeCapacity: Int", "maximumAttendeeCapacity: String")
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("EventOptions.maximumAttendeeCapacity", proc.stdout)

    def test_invented_field_is_caught(self):
        proc = self._broken("  uuid: UUID\n", "  uuid: UUID\n  updatedSince: DateTime\n")
        self.assertIn("Event.updatedSince: field not in the real schema", proc.stdout)

    def test_wrong_argument_type_is_caught(self):
        proc = self._broken("event(uuid: UUID!): Event", "event(uuid: ID!): Event")
        self.assertIn("RootQueryType.event(uuid)", proc.stdout)

    def test_unknown_enum_value_is_caught(self):
        proc = self._broken("enum EventStatus { TENTATIVE", "enum EventStatus { POSTPONED TENTATIVE")
        self.assertIn("enum EventStatus.POSTPONED", proc.stdout)


if __name__ == "__main__":
    unittest.main()
