#!/usr/bin/python3
"""Contract: the Matrix simulator answers every captured exchange like Synapse 1.67 did.

Replays ../shared/fixtures/matrix/NN-*.http in order against a simulator seeded like the
capture (users admin/carol/dave, the appservice registration, default rate limits) and
compares status line, the headers Synapse sent, errcode and the whole JSON body (ids,
tokens and stream tokens translated, timestamps compared by type only).

The capture did a few things it did not record (carol and dave joining, bob logging in
with his password, draining a rate limit...). `PRELUDES` replays those steps before the
exchange that depends on them. The two HS->AS pushes (57, 58) are requests the
homeserver makes to the application service, not answers to replay: they are checked
for shape only. Exits 77 when the fixtures are absent.
"""
import hashlib
import hmac
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixture_replay as fr  # noqa: E402

SOURCE = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(os.environ.get("COOPSYNC_FIXTURES_DIR") or
                        os.path.join(SOURCE, "..", "shared", "fixtures"), "matrix")
SHARED_SECRET = "replay-shared-secret"
CAROL = "syt_Y2Fyb2w_jrjRWpaMGmBGQzJVGlHa_2XCzbU"
DAVE = "syt_ZGF2ZQ_tsCGdgqYBbWuUeRPsXko_27nAGy"
ROOM = "!hgSTpZYNHerBGASLqQ:localhost"
ADMIN_TOKEN = "syt_YWRtaW4_ihEcDSnLvNkOdNALOjCx_1cilLq"
ALICE_TOKEN = "syt_YWxpY2U_oaEEgOEwCftDlAWJwWps_2o8T2h"
BOB_PASSWORD_TOKEN = "syt_Ym9i_cFENoqhtXsnwInoMQiLO_4HzIv7"
V3 = "/_matrix/client/v3"


def seed():
    import yaml
    with open(os.path.join(FIXTURES, "appservice-registration.yaml"), encoding="utf-8") as f:
        registration = yaml.safe_load(f)
    return {
        "server_name": "localhost",
        "registration_shared_secret": SHARED_SECRET,
        "users": [
            {"localpart": "admin", "password": "admin-pass-123", "admin": True},
            {"localpart": "carol", "password": "carol-pass-123", "displayname": "Carol",
             "tokens": [CAROL]},
            {"localpart": "dave", "password": "dave-pass-123", "displayname": "Dave",
             "tokens": [DAVE]},
        ],
        "appservice": registration,
        "rate_limits": {"enabled": True, "message": {"per_second": 0.2, "burst": 10},
                        "login": {"per_second": 0.17, "burst": 3}},
    }


class Replay:
    def __init__(self, sim):
        self.sim = sim
        self.ids = fr.IdMap()
        self.nonce = None

    def token(self, fixture_token):
        return self.ids.to_sim.get(fixture_token, fixture_token)

    def room(self):
        return self.ids.to_sim[ROOM]

    def reset_limits(self):
        self.sim.call("POST", "/_sim/ratelimit", {"reset": True})

    # --- steps the capture took without recording them ------------------------------
    def before_04(self):
        self.nonce = self.sim.call("GET", "/_synapse/admin/v1/register")["nonce"]

    before_05 = before_04

    def before_27(self):
        room = fr.quote(self.room(), safe="")
        admin = self.token(ADMIN_TOKEN)
        for user, token in (("@carol:localhost", CAROL), ("@dave:localhost", DAVE),
                            ("@alice:localhost", self.token(ALICE_TOKEN))):
            self.sim.call("POST", "%s/rooms/%s/invite" % (V3, room), {"user_id": user}, admin)
            self.sim.call("POST", "%s/join/%s" % (V3, room), {}, token)

    def before_47(self):
        room = fr.quote(self.room(), safe="")
        self.sim.call("PUT", "%s/rooms/%s/send/m.room.message/wake-1" % (V3, room),
                      {"msgtype": "m.notice", "body": "message that wakes the long poll"},
                      self.token(ALICE_TOKEN))

    def before_50(self):
        room = fr.quote(self.room(), safe="")
        for i in range(10):
            self.sim.call("PUT", "%s/rooms/%s/send/m.room.message/rl-%d" % (V3, room, i),
                          {"msgtype": "m.text", "body": "burst %d" % i}, CAROL)

    def before_51(self):
        for _ in range(3):
            self.sim.call("POST", V3 + "/login", {"type": "m.login.password", "identifier": {
                "type": "m.id.user", "user": "carol"}, "password": "carol-pass-123"})

    def before_54(self):
        room = fr.quote(self.room(), safe="")
        self.sim.call("POST", "%s/rooms/%s/invite" % (V3, room),
                      {"user_id": "@coop_alice:localhost"}, self.token(ADMIN_TOKEN))

    def before_59(self):
        out = self.sim.call("POST", V3 + "/login", {"type": "m.login.password", "identifier": {
            "type": "m.id.user", "user": "bob"}, "password": "bob-pass-123"})
        self.ids.learn(BOB_PASSWORD_TOKEN, out["access_token"])

    # --- one exchange ---------------------------------------------------------------
    def request_of(self, ex):
        target = self.ids.text_to_sim(ex.target, encoded=True)
        headers = {}
        for k, v in ex.headers:
            if k.lower() == "host":
                continue
            headers[k] = self.ids.text_to_sim(v)
        body = self.ids.text_to_sim(ex.body) if ex.body else None
        if ex.number in (4, 5):
            data = json.loads(body)
            data["nonce"] = self.nonce
            msg = b"\x00".join([self.nonce.encode(), data["username"].encode(),
                                data["password"].encode(),
                                b"admin" if data["admin"] else b"notadmin"])
            data["mac"] = hmac.new(SHARED_SECRET.encode(), msg, hashlib.sha1).hexdigest()
            body = json.dumps(data)
        return target, headers, body

    def run(self, ex):
        self.reset_limits()
        hook = getattr(self, "before_%02d" % ex.number, None)
        if hook:
            hook()
        target, headers, body = self.request_of(ex)
        status, reason, resp_headers, parsed = self.sim.request(ex.method, target, body, headers)
        problems = []
        if status != ex.status or reason != ex.reason:
            problems.append("status %d %s, expected %d %s" % (status, reason, ex.status, ex.reason))
        got = {k.lower(): v for k, v in resp_headers}
        for k, v in ex.resp_headers:
            if got.get(k.lower()) != v:
                problems.append("header %s: %r, expected %r" % (k, got.get(k.lower()), v))
        if "retry-after" in got:
            problems.append("unexpected Retry-After header (Synapse sends none)")
        self.ids.learn_tree(ex.resp_body, parsed)
        problems.extend(fr.compare(ex.resp_body, self.ids.tree_to_fixture(parsed)))
        problems.extend(self.ids.problems)
        self.ids.problems = []
        return problems


class SimMatchesFixtures(unittest.TestCase):
    def test_replay_every_exchange(self):
        exchanges = fr.load_exchanges(FIXTURES)
        self.assertGreaterEqual(len(exchanges), 60)
        with tempfile.TemporaryDirectory() as tmp:
            seed_file = os.path.join(tmp, "seed.json")
            with open(seed_file, "w", encoding="utf-8") as f:
                json.dump(seed(), f)
            sim = fr.Sim(os.path.join(SOURCE, "tests", "sim", "matrix", "server.py"), seed_file)
            try:
                replay = Replay(sim)
                failures = []
                replayed = 0
                for ex in exchanges:
                    if ex.header("Host") == "127.0.0.1:9009":
                        continue  # HS->AS push: checked by test_appservice_pushes_shape
                    problems = replay.run(ex)
                    replayed += 1
                    failures.extend("%s: %s" % (ex.name, p) for p in problems)
                self.assertEqual(failures, [], "\n".join(failures))
                self.assertEqual(replayed, len(exchanges) - 2)
            finally:
                sim.stop()

    def test_appservice_pushes_shape(self):
        pushes = [ex for ex in fr.load_exchanges(FIXTURES) if ex.header("Host") == "127.0.0.1:9009"]
        self.assertEqual(len(pushes), 2)
        for ex in pushes:
            self.assertTrue(ex.target.startswith("/transactions/"))
            self.assertIn("access_token=", ex.target)
            self.assertIsNone(ex.header("Authorization"))
            self.assertIn("events", json.loads(ex.body))


if __name__ == "__main__":
    if not os.path.isdir(FIXTURES):
        print("SKIP: Matrix fixtures not found at %s" % FIXTURES)
        sys.exit(77)
    unittest.main()
