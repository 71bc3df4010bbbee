"""Outages, crashes and their aftermath, for the resilience tests and scenarios 10-12.

    from faultkit import (TunedCooperative, faults, clear_faults, converge, invariants,
                          assert_converged)
    with TunedCooperative(seed, sim_args={"odoo": ["--odoo-version", "18"]},
                          system_keys={"odoo": {"timeout": "2s"}}) as coop:
        faults(coop, "nextcloud", rate=1.0, kinds=["status:503", "drop"])
        ...
        clear_faults(coop)
        converge(coop)                      # passes until nothing is left to do
        failed = [c for c in invariants(coop, facts) if not c[1]]
        # or all of it asserted, plus a clean outbox, at the end of a test:
        assert_converged(self, coop, facts, "seed 42")

TunedCooperative is the harness's Cooperative with per-simulator command-line options and
extra keys in a system's section of the generated config (retry policy, timeouts).
`faults` drives the simulators' POST /_sim/faults (tests/sim/common/simbase.py).
`invariants` checks what must hold on the servers once everything is back: each member
exactly once in each system with the final value of each field, in the right group and
room, each event once everywhere and announced once; nothing left in the outbox.
Odoo edits go through its real XML-RPC API, as the Odoo web client would make them.
"""
import subprocess
import xmlrpc.client

from checks import assert_checks
from harness import Cooperative, binary_path
from seed import GROUP_PREFIX, MATRIX_SERVER, MEMBER_TAG_ID

SECTION_OF = {"odoo": "odoo", "nextcloud": "cloud", "matrix": "chat", "mobilizon": "events"}


class TunedCooperative(Cooperative):
    """sim_args: {"odoo": [...extra simulator options]};
    system_keys: {"odoo": {"timeout": "2s", "retry": "{max_attempts: 3}"}} — YAML values,
    written under that system's section of the config."""

    def __init__(self, seed, sim_args=None, system_keys=None, **kw):
        super().__init__(seed, sim_args=sim_args, **kw)
        self.system_keys = dict(system_keys or {})

    def write_config(self):
        path = super().write_config()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for system, keys in self.system_keys.items():
            anchor = "  %s:\n" % SECTION_OF[system]
            if anchor not in text:
                raise AssertionError("no section %r in the generated config" % anchor)
            lines = "".join("    %s: %s\n" % (k, v) for k, v in keys.items())
            text = text.replace(anchor, anchor + lines, 1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def popen_sync(self, *extra, env=None):
        """Starts `coopsync sync --json` without waiting (for the crash tests)."""
        argv = [binary_path(), "sync", "--json", "--config", self.config_path] + list(extra)
        full_env = dict(self.env)
        full_env.update(env or {})
        return subprocess.Popen(argv, env=full_env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# --- faults ---------------------------------------------------------------------------
def faults(coop, system, **cfg):
    """Sets the fault plan of one simulator (keys of simbase.Faults)."""
    coop.sims[system].control("faults", cfg)


def clear_faults(coop):
    for sim in coop.sims.values():
        sim.control("faults", {})


def injected(coop, system):
    return coop.sims[system].control("faults", method="GET")["injected"]


# --- passes ---------------------------------------------------------------------------
def report(result):
    j = result.json or {}
    return {"exit": result.returncode, "writes": j.get("writes"), "pending": j.get("pending"),
            "dead": j.get("dead_letters"),
            "errors": {n: s["error"] for n, s in (j.get("systems") or {}).items() if s.get("error")},
            "stderr": result.stderr[-1500:]}


def converge(coop, max_passes=8):
    """Runs passes until one writes nothing and leaves nothing pending; returns the runs.
    Fails when that does not happen within max_passes (backoff in the config is short)."""
    runs = []
    for _ in range(max_passes):
        r = coop.sync()
        runs.append(r)
        j = r.json or {}
        if r.returncode in (0, 1) and j.get("writes") == 0 and j.get("pending") == 0:
            return runs
    raise AssertionError("no convergence within %d passes: %s" % (
        max_passes, [report(r) for r in runs[-3:]]))


# --- Odoo edits (XML-RPC, as the admin; faults must be off) -----------------------------
def odoo_call(coop, model, method, args, kwargs=None):
    url = coop.sims["odoo"].url
    db = coop.seed["odoo"]["database"]
    key = coop.env["COOPSYNC_E2E_ODOO_API_KEY"]
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "admin", key, {})
    obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    return obj.execute_kw(db, uid, key, model, method, args, kwargs or {})


def odoo_partner(coop, email):
    ids = odoo_call(coop, "res.partner", "search", [[["email", "=", email]]])
    if len(ids) != 1:
        raise AssertionError("odoo: %d partners with email %s" % (len(ids), email))
    return ids[0]


def tag_of(coop, community):
    """The Odoo tag id of a community slug (seed: 'Communauté <City>')."""
    for c in coop.seed["odoo"]["records"]["res.partner.category"]:
        if c["name"].startswith(GROUP_PREFIX) and _slug(c["name"][len(GROUP_PREFIX):]) == community:
            return c["id"]
    raise KeyError(community)


def _slug(city):
    from seed import slug
    return slug(city)


def rename(coop, member, new_name):
    odoo_call(coop, "res.partner", "write", [[odoo_partner(coop, member["email"])],
                                             {"name": new_name}])
    member["name"] = new_name


def move(coop, member, community):
    pid = odoo_partner(coop, member["email"])
    odoo_call(coop, "res.partner", "write", [[pid], {"category_id": [
        [3, tag_of(coop, member["community"])], [4, tag_of(coop, community)]]}])
    member["community"] = community


def move_some(coop, rng, facts, n, back=False):
    """Moves n members, each to another community, members that never moved; with back,
    the first of them is one that moved before, going back to the community it left."""
    members, communities = facts["members"], facts["communities"]
    back = [m for m in members if m.get("former") and m["former"] != m["community"]] if back else []
    picked = [rng.choice(back)] if back else []
    others = [m for m in members if m not in picked and not m.get("former")]
    picked += rng.sample(others, max(0, min(n - len(picked), len(others))))
    for m in picked:
        former = m["community"]
        dest = m["former"] if m in back else rng.choice([c for c in communities if c != former])
        move(coop, m, dest)
        m["former"] = former


def add_member(coop, facts, name, email, community):
    odoo_call(coop, "res.partner", "create", [{
        "name": name, "email": email, "is_company": False,
        "category_id": [[6, 0, [MEMBER_TAG_ID, tag_of(coop, community)]]]}])
    facts["members"].append({"name": name, "email": email, "phone": None,
                             "community": community})


# --- what must hold once everything is back ---------------------------------------------
def _sample(items, n=4):
    items = list(items)
    return ", ".join(str(i) for i in items[:n]) + (" ..." if len(items) > n else "")


def invariants(coop, facts):
    """[(name, ok, detail)] on the servers' state: every member of facts["members"] (their
    final name, email and community) exactly once per system; every event of
    facts["events"] once in Odoo, once per community calendar, announced once."""
    out = []
    odoo = coop.state("odoo")
    nc = coop.state("nextcloud")
    mx = coop.state("matrix")
    bot = "@coop_bridge:" + MATRIX_SERVER
    members = facts["members"]
    partners = [p for p in odoo["res.partner"] if p.get("email")]
    cats = {c["id"]: c["name"] for c in odoo["res.partner.category"]}

    bad = []
    for m in members:
        mine = [p for p in partners if p["email"].lower() == m["email"]]
        if len(mine) != 1 or mine[0]["name"] != m["name"] or \
                GROUP_PREFIX + _city(cats, m["community"]) not in \
                [cats.get(i) for i in mine[0]["category_id"]]:
            bad.append((m["email"], [(p["id"], p["name"]) for p in mine]))
    out.append(("odoo: each member once, final name and community (%d)" % len(members),
                not bad, "%d wrong, e.g. %s" % (len(bad), _sample(bad))))

    users = {u: v for u, v in nc["users"].items() if u != "admin"}
    bad = []
    for m in members:
        mine = [u for u, v in users.items() if (v.get("email") or "").lower() == m["email"]]
        if len(mine) != 1:
            bad.append((m["email"], "accounts: %s" % mine))
            continue
        v = users[mine[0]]
        if v["displayname"] != m["name"] or not v["enabled"]:
            bad.append((m["email"], v["displayname"], v["enabled"]))
        groups = [g for g in v["groups"] if g != "admin"]
        if groups != [m["community"]]:
            bad.append((m["email"], "groups %s, want [%s]" % (groups, m["community"])))
    extra = len(users) - len(members)
    out.append(("nextcloud: each member one enabled account, final name, own group only (%d)"
                % len(members), not bad and extra == 0,
                "%d wrong, e.g. %s; accounts beyond the members: %d" % (len(bad), _sample(bad), extra)))

    rooms = {}
    for rid, r in mx["rooms"].items():
        for alias in r.get("aliases", []):
            rooms[alias.split(":")[0].lstrip("#").replace("coop_", "", 1)] = r
    mx_users = {u: v for u, v in mx["users"].items() if u != bot}
    bad = []
    for m in members:
        mine = [u for u, v in mx_users.items() if m["email"] in [e.lower() for e in v.get("emails", [])]
                or u == "@%s:%s" % (m["email"].split("@")[0], MATRIX_SERVER)]
        if len(mine) != 1:
            bad.append((m["email"], "accounts: %s" % mine))
            continue
        u = mine[0]
        if mx_users[u].get("displayname") != m["name"]:
            bad.append((m["email"], "displayname %r" % mx_users[u].get("displayname")))
        for slug_, room in rooms.items():
            if slug_ == "space":
                continue
            inside = room["members"].get(u) in ("invite", "join")
            if inside != (slug_ == m["community"]):
                bad.append((m["email"], "room %s: %s" % (slug_, room["members"].get(u))))
    extra = len(mx_users) - len(members)
    out.append(("matrix: each member one account, final name, in their community's room only (%d)"
                % len(members), not bad and extra == 0,
                "%d wrong, e.g. %s; accounts beyond the members: %d" % (len(bad), _sample(bad), extra)))

    events = facts.get("events", [])
    titles = [e["name"] for e in odoo.get("event.event", [])]
    bad = [(e["title"], titles.count(e["title"])) for e in events if titles.count(e["title"]) != 1]
    out.append(("odoo: each event once (%d)" % len(events), not bad and len(titles) == len(events),
                "%s; %d events in Odoo" % (_sample(bad), len(titles))))
    cal = nc.get("calendars", {}).get("admin", {})
    bad = []
    for community in facts["communities"]:
        want = len([e for e in events if e["community"] == community])
        have = len(cal.get(community, {}).get("objects", []))
        announced = len(rooms.get(community, {}).get("messages", []))
        if have != want or announced != want:
            bad.append((community, "want %d, calendar %d, announcements %d" % (want, have, announced)))
    out.append(("nextcloud calendars and matrix rooms: each event once, announced once",
                not bad, _sample(bad)))
    regs = [(r.get("event_id"), r.get("partner_id")) for r in odoo.get("event.registration", [])
            if r.get("state") != "cancel"]
    regs = [(e[0] if isinstance(e, list) else e, p[0] if isinstance(p, list) else p) for e, p in regs]
    dup = sorted({r for r in regs if regs.count(r) > 1})
    out.append(("odoo: no registration twice", not dup, _sample(dup)))
    return out


def _city(cats, community):
    for name in cats.values():
        if name.startswith(GROUP_PREFIX) and _slug(name[len(GROUP_PREFIX):]) == community:
            return name[len(GROUP_PREFIX):]
    return community


def outbox_clean(coop):
    """(name, ok, detail): no dead letter, no pending write, no open conflict."""
    st = coop.run("status", "--json")
    systems = (st.json or {}).get("systems", [])
    left = [(s["system"], s["pending"], s["dead"]) for s in systems if s["pending"] or s["dead"]]
    return ("outbox: nothing pending, no dead letter, no open conflict",
            st.returncode == 0 and not left and (st.json or {}).get("open_conflicts") == 0,
            "exit %d; left: %s; open conflicts: %s" % (st.returncode, left,
                                                       (st.json or {}).get("open_conflicts")))


def assert_converged(tc, coop, facts, context, max_passes=10):
    """The end of every resilience test: passes until one has nothing left to do, then each
    invariant on the servers and a clean outbox; context (the replay seed, what happened)
    and the last pass are in the failure message. Returns the passes."""
    runs = converge(coop, max_passes=max_passes)
    assert_checks(tc, invariants(coop, facts) + [outbox_clean(coop)],
                  "%s; last pass: %s" % (context, report(runs[-1])))
    return runs
