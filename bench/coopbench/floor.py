"""The floor: a plain client (http.client, one keep-alive connection per server, one request
at a time) making the fewest raw HTTP calls that give the outcome coopsync gives, against
fresh simulators seeded alike. What coopsync's wall time is compared with.

Calls (N members, G communities):
  Odoo      authenticate; one search_read of the tags; one search_read of every partner tagged
            Membre (name, email, category_id)                                3 calls
  Nextcloud one POST per group (groupid, displayname); one POST per user with userid,
            password, email, displayName and groups[] (membership in the creation)  G + N
  Matrix    the space (createRoom, type m.space, its alias and name); per community a
            createRoom with its alias, name, m.space.parent and the invite list; a
            m.space.child in the space per room; one admin PUT per account (displayname,
            email threepid); with space_invites, the space's creation carries every invite
                                                                              1 + 2G + N
Odoo's own XML-RPC server closes the connection after each answer; the client reconnects.
"""
import http.client
import json
import secrets
import time
import urllib.parse
import xmlrpc.client
from urllib.parse import quote

from . import seed as bench_seed

SPACE_ALIAS_LOCAL = "coop_space"
SPACE_NAME = "Cooperative"


class Conn:
    """One keep-alive connection; counts its requests."""

    def __init__(self, base_url, headers):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = headers
        self.conn = None
        self.calls = 0

    def request(self, method, path, body=None, content_type=None):
        data = body if isinstance(body, (bytes, type(None))) else body.encode("utf-8")
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (0, 1):   # a server that closed the idle connection: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        self.calls += 1
        if resp.getheader("Connection", "").lower() == "close" or resp.version == 10:
            self.conn.close()
            self.conn = None
        if resp.status >= 300:
            raise RuntimeError("%s %s -> %d %s" % (method, path, resp.status, payload[:300]))
        return payload

    def close(self):
        if self.conn is not None:
            self.conn.close()


def xmlrpc_call(conn, service, method, *params):
    body = xmlrpc.client.dumps(params, method, allow_none=True)
    payload = conn.request("POST", "/xmlrpc/2/" + service, body, "text/xml")
    return xmlrpc.client.loads(payload, use_builtin_types=True)[0][0]


def read_odoo(url, key):
    conn = Conn(url, {})
    uid = xmlrpc_call(conn, "common", "authenticate", "coop", "admin", key, {})
    call = lambda model, method, args, kw: xmlrpc_call(  # noqa: E731
        conn, "object", "execute_kw", "coop", uid, key, model, method, args, kw)
    categories = call("res.partner.category", "search_read", [[]], {"fields": ["name"]})
    tags = [c for c in categories if c["name"].startswith(bench_seed.GROUP_PREFIX)]
    member_tag = [c for c in categories if c["name"] == bench_seed.MEMBER_TAG]
    partners = call("res.partner", "search_read",
                    [[["category_id", "in", [t["id"] for t in member_tag]],
                      ["is_company", "=", False]]],
                    {"fields": ["name", "email", "category_id"]})
    conn.close()
    return tags, partners, conn.calls


def slug_of(tag_name):
    """The community's slug as coopsync derives it from the tag (prefix dropped)."""
    name = bench_seed.ascii_fold(tag_name[len(bench_seed.GROUP_PREFIX):]).lower()
    return "-".join(w for w in "".join(c if c.isalnum() else " " for c in name).split())


def run(urls, space_invites=False):
    """Does the whole initial sync; returns {"wall_s", "calls": {system: n}}."""
    sec = bench_seed.secrets()
    start = time.monotonic()
    tags, partners, odoo_calls = read_odoo(urls["odoo"], sec["COOPSYNC_E2E_ODOO_API_KEY"])
    groups = {t["id"]: (slug_of(t["name"]), t["name"]) for t in tags}
    people = []
    for p in partners:
        gids = [groups[c][0] for c in p["category_id"] if c in groups]
        local = p["email"].split("@")[0]
        people.append((local, p["email"], p["name"], sorted(gids)))

    auth = "Basic " + __import__("base64").b64encode(
        ("admin:" + sec["COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD"]).encode()).decode()
    nc = Conn(urls["nextcloud"], {"Authorization": auth, "OCS-APIRequest": "true"})
    form = "application/x-www-form-urlencoded"
    for slug, name in sorted(groups.values()):
        nc.request("POST", "/ocs/v2.php/cloud/groups?format=json",
                   urllib.parse.urlencode({"groupid": slug, "displayname": name}), form)
    for local, email, name, gids in people:
        fields = [("userid", local), ("password", secrets.token_hex(16)), ("email", email),
                  ("displayName", name)] + [("groups[]", g) for g in gids]
        nc.request("POST", "/ocs/v2.php/cloud/users?format=json",
                   urllib.parse.urlencode(fields), form)
    nc.close()

    server = bench_seed.SERVER_NAME
    mx = Conn(urls["matrix"], {"Authorization": "Bearer " + sec["COOPSYNC_E2E_MATRIX_TOKEN"]})
    me = "@coop_bridge:" + server
    jtype = "application/json"
    for local, email, name, _ in people:
        body = {"displayname": name, "threepids": [{"medium": "email", "address": email}]}
        mx.request("PUT", "/_synapse/admin/v2/users/" + quote("@%s:%s" % (local, server)),
                   json.dumps(body), jtype)
    space_body = {"preset": "private_chat", "visibility": "private", "name": SPACE_NAME,
                  "room_alias_name": SPACE_ALIAS_LOCAL, "creation_content": {"type": "m.space"},
                  "power_level_content_override": {"users": {me: 100}}}
    if space_invites:
        space_body["invite"] = ["@%s:%s" % (p[0], server) for p in people]
    space = json.loads(mx.request("POST", "/_matrix/client/v3/createRoom",
                                  json.dumps(space_body), jtype))["room_id"]
    members = {}
    for local, _, _, gids in people:
        for g in gids:
            members.setdefault(g, []).append("@%s:%s" % (local, server))
    for slug, name in sorted(groups.values()):
        body = {"preset": "private_chat", "visibility": "private", "name": name,
                "room_alias_name": "coop_" + slug,
                "initial_state": [
                    {"type": "m.room.history_visibility", "state_key": "",
                     "content": {"history_visibility": "shared"}},
                    {"type": "m.room.guest_access", "state_key": "",
                     "content": {"guest_access": "forbidden"}},
                    {"type": "m.space.parent", "state_key": space,
                     "content": {"via": [server], "canonical": True}}],
                "power_level_content_override": {"users": {me: 100}},
                "invite": members.get(slug, [])}
        room = json.loads(mx.request("POST", "/_matrix/client/v3/createRoom",
                                     json.dumps(body), jtype))["room_id"]
        mx.request("PUT", "/_matrix/client/v3/rooms/%s/state/m.space.child/%s"
                   % (quote(space), quote(room)), json.dumps({"via": [server], "suggested": True}),
                   jtype)
    mx.close()
    wall = time.monotonic() - start
    return {"wall_s": round(wall, 3),
            "calls": {"odoo": odoo_calls, "nextcloud": nc.calls, "matrix": mx.calls}}


def outcome(cluster):
    """What both runs must agree on, read back from the servers (ids of rooms replaced by
    their aliases, coopsync's own bookkeeping state events left out)."""
    nc = cluster.state("nextcloud")
    mx = cluster.state("matrix")
    users = {u: (v["email"], v["displayname"], v["enabled"], sorted(v["groups"]))
             for u, v in nc["users"].items() if u != "admin"}
    groups = {g: (v["displayname"], sorted(v["members"]))
              for g, v in nc["groups"].items() if g != "admin"}
    me = "@coop_bridge:" + bench_seed.SERVER_NAME
    alias_of = {rid: (r["aliases"] or [rid])[0] for rid, r in mx["rooms"].items()}
    rooms = {}
    for rid, r in mx["rooms"].items():
        parents = sorted(alias_of.get(k.split("|", 1)[1], "?") for k in r["state"]
                         if k.startswith("m.space.parent|"))
        children = sorted(alias_of.get(k.split("|", 1)[1], "?") for k in r["state"]
                          if k.startswith("m.space.child|"))
        rooms[alias_of[rid]] = (r["name"], r["type"], parents, children,
                                sorted((u, m) for u, m in r["members"].items() if u != me))
    mx_users = {u: (v["displayname"], sorted(v["emails"]), v["deactivated"])
                for u, v in mx["users"].items() if u != me}
    return {"nextcloud_users": users, "nextcloud_groups": groups, "matrix_users": mx_users,
            "matrix_rooms": rooms}


def differences(a, b, limit=5):
    """Human-readable differences between two outcomes (empty when they agree)."""
    out = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, {}), b.get(key, {})
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                out.append("%s[%s]: coopsync %r, floor %r" % (key, k, x.get(k), y.get(k)))
                if len(out) >= limit:
                    return out
    return out
