#!/usr/bin/python3
"""The Matrix simulator's behaviour beyond single captured exchanges: the /sync long-poll
wakes on a new event, txnId idempotency survives a dropped answer (fault "drop_after"),
appservice masquerading is exempt from rate limits, the 429 hint is honoured, invites are
limited as Synapse 1.67's rc_invites limits them, and /_sim/act and /_sim/state let tests
drive and inspect people. Needs no fixtures."""
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import unittest
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixture_replay as fr  # noqa: E402

SOURCE = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
V3 = "/_matrix/client/v3"
SEED = {
    "users": [{"localpart": "bot", "password": "pw", "tokens": ["bot-token"]},
              {"localpart": "ann", "password": "pw", "tokens": ["ann-token"]},
              {"localpart": "root", "password": "pw", "admin": True, "tokens": ["root-token"]}]
    + [{"localpart": "u%02d" % i} for i in range(12)],
    "appservice": {"id": "coop-sync", "url": "http://127.0.0.1:1", "as_token": "as-token",
                   "hs_token": "hs-token", "sender_localpart": "coop_bridge",
                   "rate_limited": False,
                   "namespaces": {"users": [{"exclusive": True, "regex": "@coop_.*:localhost"}],
                                  "aliases": [], "rooms": []}},
    "rate_limits": {"enabled": True, "message": {"per_second": 0.2, "burst": 3}},
}


class SimBehaviour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        seed_file = os.path.join(cls.tmp.name, "seed.json")
        with open(seed_file, "w", encoding="utf-8") as f:
            json.dump(SEED, f)
        cls.sim = fr.Sim(os.path.join(SOURCE, "tests", "sim", "matrix", "server.py"), seed_file)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.tmp.cleanup()

    def setUp(self):
        self.sim.call("POST", "/_sim/ratelimit", {"reset": True})
        self.sim.call("POST", "/_sim/faults", {})

    def room(self, token="bot-token", invite=("@ann:localhost",)):
        room = self.sim.call("POST", V3 + "/createRoom", {"preset": "private_chat"}, token)["room_id"]
        for user in invite:
            self.sim.call("POST", "%s/rooms/%s/invite" % (V3, quote(room)), {"user_id": user}, token)
        self.sim.call("POST", "/_sim/ratelimit", {"reset": True})
        return room

    def test_long_poll_wakes_on_new_event(self):
        room = self.room()
        self.sim.call("POST", "/_sim/act", {"user_id": "@ann:localhost", "action": "join",
                                            "room_id": room})
        since = self.sim.call("GET", V3 + "/sync?timeout=0", token="bot-token")["next_batch"]
        result = {}

        def poll():
            result["sync"] = self.sim.call("GET", "%s/sync?since=%s&timeout=60000" % (V3, since),
                                           token="bot-token")
        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.3)  # not an assertion: the poll returns either way once ann leaves
        self.sim.call("POST", "/_sim/act", {"user_id": "@ann:localhost", "action": "leave",
                                            "room_id": room})
        thread.join(60)
        self.assertFalse(thread.is_alive())
        events = result["sync"]["rooms"]["join"][room]["timeline"]["events"]
        self.assertEqual([(e["state_key"], e["content"]["membership"]) for e in events],
                         [("@ann:localhost", "leave")])

    def test_txn_idempotent_after_dropped_answer(self):
        room = self.room()
        path = "%s/rooms/%s/send/m.room.message/ann-1" % (V3, quote(room))
        self.sim.call("POST", "/_sim/faults", {"every_nth": 1, "count": 1, "kinds": ["drop_after"],
                                               "path_prefix": V3 + "/rooms/"})
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.sim.call("PUT", path, {"msgtype": "m.text", "body": "once"}, "bot-token")
        first = self.sim.call("PUT", path, {"msgtype": "m.text", "body": "once"}, "bot-token")
        state = self.sim.call("GET", "/_sim/state")
        bodies = [m["content"]["body"] for m in state["rooms"][room]["messages"]]
        self.assertEqual(bodies, ["once"])
        self.assertEqual(state["rooms"][room]["messages"][0]["event_id"], first["event_id"])

    def test_rate_limit_then_recovers_after_hint(self):
        room = self.room(invite=())
        path = "%s/rooms/%s/send/m.room.message/" % (V3, quote(room))
        for i in range(3):
            self.sim.call("PUT", path + "b%d" % i, {"msgtype": "m.text", "body": "x"}, "bot-token")
        status, reason, headers, body = self.sim.request(
            "PUT", path + "b3", json.dumps({"msgtype": "m.text", "body": "x"}),
            {"Authorization": "Bearer bot-token"})
        self.assertEqual((status, reason, body["errcode"]), (429, "Unknown Status", "M_LIMIT_EXCEEDED"))
        self.assertNotIn("retry-after", {k.lower() for k, _ in headers})
        self.assertTrue(0 < body["retry_after_ms"] <= 5000)
        time.sleep(body["retry_after_ms"] / 1000.0 + 0.05)
        self.sim.call("PUT", path + "b3", {"msgtype": "m.text", "body": "x"}, "bot-token")

    def create(self, token, invite, alias=None):
        body = {"preset": "private_chat", "invite": list(invite)}
        if alias:
            body["room_alias_name"] = alias
        status, _, _, answer = self.sim.request("POST", V3 + "/createRoom", json.dumps(body),
                                                {"Authorization": "Bearer " + token})
        return status, answer

    def test_creation_inviting_more_than_the_per_room_burst_is_refused_before_anything(self):
        # Synapse 1.67 RoomCreationHandler.create_room: ratelimit_multiple_invites(room_id=None,
        # n_invites, update=False) on rc_invites.per_room (burst 10) -> 400 "Cannot invite so
        # many users at once", before the alias or the room exists. The invites a creation
        # makes are not limited one by one (update_membership_locked(ratelimit=False)).
        users = ["@u%02d:localhost" % i for i in range(12)]
        status, answer = self.create("bot-token", users[:11], alias="crowd")
        self.assertEqual((status, answer.get("errcode"), answer.get("error")),
                         (400, "M_UNKNOWN", "Cannot invite so many users at once"))
        self.assertNotIn("#crowd:localhost", self.sim.call("GET", "/_sim/state")["aliases"])
        self.sim.call("POST", "/_sim/ratelimit", {"reset": True})
        status, answer = self.create("bot-token", users[:10], alias="crowd")
        self.assertEqual(status, 200, answer)
        members = self.sim.call("GET", "/_sim/state")["rooms"][answer["room_id"]]["members"]
        self.assertEqual(sorted(u for u, m in members.items() if m == "invite"), users[:10])
        # Exempt: an appservice registered rate_limited: false, and a user whose admin
        # override has no messages_per_second (Ratelimiter.can_do_action).
        self.sim.call("POST", "/_sim/ratelimit", {"reset": True})
        status, answer = self.create("as-token", users)
        self.assertEqual(status, 200, answer)
        override = "/_synapse/admin/v1/users/%s/override_ratelimit" % quote("@bot:localhost")
        self.sim.call("POST", override, {"messages_per_second": 0, "burst_count": 0}, "root-token")
        try:
            status, answer = self.create("bot-token", users)
            self.assertEqual(status, 200, answer)
        finally:
            self.sim.call("DELETE", override, None, "root-token")

    def test_invites_are_limited_per_room_per_invitee_and_per_inviter(self):
        self.sim.call("POST", "/_sim/ratelimit", {"message": {"per_second": 100, "burst": 1000}})
        try:
            users = ["@u%02d:localhost" % i for i in range(12)]
            room = self.sim.call("POST", V3 + "/createRoom", {"preset": "private_chat"},
                                 "bot-token")["room_id"]
            path = "%s/rooms/%s/invite" % (V3, quote(room))
            for user in users[:10]:
                self.sim.call("POST", path, {"user_id": user}, "bot-token")
            status, _, _, body = self.sim.request("POST", path, json.dumps({"user_id": users[10]}),
                                                  {"Authorization": "Bearer bot-token"})
            # per_room: 10, then 0.3/s -> the next one in ~3.3 s
            self.assertEqual((status, body["errcode"]), (429, "M_LIMIT_EXCEEDED"))
            self.assertTrue(3000 <= body["retry_after_ms"] <= 3400, body)
            # per_user: the same person invited 5 times (in 5 rooms), then 0.003/s
            self.sim.call("POST", "/_sim/ratelimit", {"reset": True})
            rooms = [self.sim.call("POST", V3 + "/createRoom", {"preset": "private_chat"},
                                   "bot-token")["room_id"] for _ in range(6)]
            for r in rooms[:5]:
                self.sim.call("POST", "%s/rooms/%s/invite" % (V3, quote(r)),
                              {"user_id": users[11]}, "bot-token")
            status, _, _, body = self.sim.request(
                "POST", "%s/rooms/%s/invite" % (V3, quote(rooms[5])),
                json.dumps({"user_id": users[11]}), {"Authorization": "Bearer bot-token"})
            self.assertEqual(status, 429)
            self.assertGreater(body["retry_after_ms"], 300000)
            # per_issuer: 10 by one inviter across rooms, then 0.3/s
            self.sim.call("POST", "/_sim/ratelimit", {"reset": True})
            for i, user in enumerate(users[:10]):
                self.sim.call("POST", "%s/rooms/%s/invite" % (V3, quote(rooms[i % 6])),
                              {"user_id": user}, "bot-token")
            status, _, _, body = self.sim.request(
                "POST", "%s/rooms/%s/invite" % (V3, quote(rooms[5])),
                json.dumps({"user_id": users[10]}), {"Authorization": "Bearer bot-token"})
            self.assertEqual(status, 429)
            # the appservice is exempt from all three
            as_room = self.sim.call("POST", V3 + "/createRoom", {"preset": "private_chat"},
                                    "as-token")["room_id"]
            for user in users:
                self.sim.call("POST", "%s/rooms/%s/invite" % (V3, quote(as_room)),
                              {"user_id": user}, "as-token")
        finally:
            self.sim.call("POST", "/_sim/ratelimit", {"message": {"per_second": 0.2, "burst": 3},
                                                      "reset": True})

    def test_appservice_is_not_rate_limited_and_masquerades(self):
        self.sim.call("POST", V3 + "/register", {"type": "m.login.application_service",
                                                 "username": "coop_x"}, "as-token")
        room = self.room(token="as-token", invite=("@coop_x:localhost",))
        self.sim.call("POST", "%s/join/%s?user_id=%s" % (V3, quote(room), quote("@coop_x:localhost")),
                      {}, "as-token")
        for i in range(10):
            self.sim.call("PUT", "%s/rooms/%s/send/m.room.message/as-%d?user_id=%s" % (
                V3, quote(room), i, quote("@coop_x:localhost")),
                {"msgtype": "m.text", "body": str(i)}, "as-token")
        state = self.sim.call("GET", "/_sim/state")["rooms"][room]
        self.assertEqual(len(state["messages"]), 10)
        self.assertEqual({m["sender"] for m in state["messages"]}, {"@coop_x:localhost"})
        self.assertEqual(state["members"]["@coop_bridge:localhost"], "join")

    def test_unknown_endpoints_are_400_unrecognized_as_in_1_67(self):
        # Synapse 1.67 answers a path or method no servlet serves with 400 M_UNRECOGNIZED
        # (synapse/http/server.py _unrecognised_request_handler; 404 came in later
        # versions). The lookup by email (admin API, Synapse >= 1.72) is such a path.
        for method, target, token in (
                ("GET", V3 + "/no_such_endpoint", "bot-token"),
                ("DELETE", V3 + "/account/whoami", "bot-token"),
                ("GET", "/_synapse/admin/v1/threepid/email/users/%s" % quote("ann@coop.example"),
                 "root-token")):
            status, _, _, body = self.sim.request(method, target, None,
                                                  {"Authorization": "Bearer " + token})
            self.assertEqual((status, body.get("errcode")), (400, "M_UNRECOGNIZED"),
                             "%s %s" % (method, target))

    def test_edit_replaces_effective_content(self):
        room = self.room(invite=())
        first = self.sim.call("PUT", "%s/rooms/%s/send/m.room.message/e1" % (V3, quote(room)),
                              {"msgtype": "m.text", "body": "v1"}, "bot-token")
        self.sim.call("PUT", "%s/rooms/%s/send/m.room.message/e2" % (V3, quote(room)),
                      {"msgtype": "m.text", "body": "* v2", "m.new_content": {
                          "msgtype": "m.text", "body": "v2"},
                       "m.relates_to": {"rel_type": "m.replace", "event_id": first["event_id"]}},
                      "bot-token")
        msgs = self.sim.call("GET", "/_sim/state")["rooms"][room]["messages"]
        self.assertEqual([(m["content"]["body"], m["edits"]) for m in msgs], [("v2", 1)])


if __name__ == "__main__":
    unittest.main()
