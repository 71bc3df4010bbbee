"""Replays every captured example exchange (../shared/fixtures/mobilizon/examples/*.json)
against the seeded Mobilizon simulator and compares the answers: HTTP status, the shape of
`data` (same keys, same JSON types, same nulls, same list lengths, same enum values and
__typename), and every error's message, code, status_code, field and path. Some examples
need a particular state (a demoted bridge, a full event...): VARIANTS adjusts the seed the
way the example's description says. Exit 77 when the fixtures are absent."""
import copy
import glob
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mobilizon_testlib as lib  # noqa: E402

FIXTURES = lib.fixtures_dir()
lib.node()
import simclient  # noqa: E402

EXAMPLES = sorted(glob.glob(os.path.join(FIXTURES, "examples", "*.json")))
BRIDGE_MEMBERSHIP = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"


def demote_bridge(seed):
    for m in seed["members"]:
        if m["id"] == BRIDGE_MEMBERSHIP:
            m["role"] = "MEMBER"


def event(seed, event_id):
    return next(e for e in seed["events"] if e["id"] == event_id)


# Seed adjustments per example number, taken from each example's description.
VARIANTS = {
    "14": demote_bridge,  # organizer only a plain MEMBER of the group
    "16": demote_bridge,  # current identity not moderator of the event's group
    "25": demote_bridge,  # not allowed to moderate the event
    "38": demote_bridge,  # caller's identity is a plain member
    "27": lambda s: event(s, "101")["options"].update(maximum_attendee_capacity=2),  # two PARTICIPANTs: full
    "28": lambda s: s["participants"].append({"id": "3b4c5d6e-7f80-4912-a3b4-c5d6e7f8091a", "event_id": "101",
                                              "actor_id": "15", "role": "NOT_APPROVED",
                                              "inserted_at": "2025-05-22T10:00:00Z"}),
    "31": lambda s: next(a for a in s["actors"] if a["id"] == "12").update(preferred_username="jardin_ancien"),
    "34": lambda s: s.update(members=[m for m in s["members"] if m["actor_id"] != "21"]),
    "42": lambda s: s["users"][0].update(role="ADMINISTRATOR"),
    "44": lambda s: s["settings"].update(login_per_email_per_minute=0),
}

ENUM_LIKE = re.compile(r"^[A-Z][A-Z_]+$")
EXACT_KEYS = {"__typename", "role", "subject", "type", "code", "field", "status_code", "local", "draft", "key"}


def compare(expected, actual, where, problems):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append("%s: expected an object, got %r" % (where, actual))
            return
        for k in sorted(set(expected) - set(actual)):
            problems.append("%s.%s: missing" % (where, k))
        for k in sorted(set(actual) - set(expected)):
            problems.append("%s.%s: unexpected" % (where, k))
        for k in set(expected) & set(actual):
            compare(expected[k], actual[k], "%s.%s" % (where, k), problems)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            problems.append("%s: expected a list of %d, got %r" % (where, len(expected), actual))
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, "%s[%d]" % (where, i), problems)
    elif expected is None:
        if actual is not None:
            problems.append("%s: expected null, got %r" % (where, actual))
    elif type(expected) is not type(actual):
        problems.append("%s: expected a %s, got %r" % (where, type(expected).__name__, actual))
    else:
        key = where.rsplit(".", 1)[-1]
        exact = key in EXACT_KEYS or isinstance(expected, bool) or (
            isinstance(expected, str) and ENUM_LIKE.match(expected))
        if exact and expected != actual:
            problems.append("%s: expected %r, got %r" % (where, expected, actual))


def compare_errors(expected, actual, problems):
    if len(expected) != len(actual):
        problems.append("errors: expected %d, got %r" % (len(expected), actual))
        return
    for i, (e, a) in enumerate(zip(expected, actual)):
        if "code" not in e:
            # A document error: Absinthe's wording differs from graphql-js's; shape only.
            if set(a) != {"message", "locations"}:
                problems.append("errors[%d]: document error keys %r" % (i, sorted(a)))
            continue
        for k in ("message", "code", "status_code", "field", "path"):
            if e.get(k) != a.get(k):
                problems.append("errors[%d].%s: expected %r, got %r" % (i, k, e.get(k), a.get(k)))
        if "locations" not in a:
            problems.append("errors[%d]: no locations" % i)


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = simclient.Sim()
        cls.base_seed = simclient.load_seed()

    @classmethod
    def tearDownClass(cls):
        cls.sim.close()

    def replay(self, path):
        with open(path, encoding="utf-8") as f:
            ex = json.load(f)
        number = os.path.basename(path)[:2]
        seed = copy.deepcopy(self.base_seed)
        if number in VARIANTS:
            VARIANTS[number](seed)
        self.sim.seed(seed)
        request = copy.deepcopy(ex["request"])
        token = None
        if "Authorization" in ex["http_request"].get("headers", {}):
            pair = self.sim.login()
            token = pair["accessToken"]
            if number == "06":
                self.sim.http("POST", "/_sim/expire_tokens", {"access": True})
        if number == "04":
            request["variables"]["refreshToken"] = self.sim.login()["refreshToken"]
        status, body = self.sim.graphql(request["query"], request.get("variables"), token,
                                        request.get("operationName"))
        problems = []
        if status != ex["http_status"]:
            problems.append("HTTP %d, expected %d: %r" % (status, ex["http_status"], body))
        expected = ex["response"]
        if "data" in expected or "errors" in expected:
            if ("data" in expected) != ("data" in body):
                problems.append("data key presence differs: %r" % body)
            if "data" in expected and "data" in body:
                compare(expected["data"], body["data"], "data", problems)
            compare_errors(expected.get("errors", []), body.get("errors", []), problems)
        else:
            compare(expected, body, "body", problems)
            if expected != body:
                problems.append("body: expected %r, got %r" % (expected, body))
        return problems

    def test_every_example(self):
        self.assertGreaterEqual(len(EXAMPLES), 45)
        failures = {}
        for path in EXAMPLES:
            with self.subTest(example=os.path.basename(path)):
                problems = self.replay(path)
                if problems:
                    failures[os.path.basename(path)] = problems
                self.assertEqual(problems, [])
        for name, problems in failures.items():
            print(name, *problems[:8], sep="\n  ")

    def test_comparison_detects_a_difference(self):
        # The comparison must be able to fail: a changed enum value and a missing key.
        problems = []
        compare({"a": {"role": "PARTICIPANT", "b": 1}}, {"a": {"role": "REJECTED"}}, "data", problems)
        self.assertEqual(len(problems), 2)


if __name__ == "__main__":
    unittest.main()
