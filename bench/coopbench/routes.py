"""Per-route request counts from a simulator's --verbose log (one access line per request):
where a pass spends its requests. Ids in paths become ':id', query values are dropped."""
import collections
import re

LINE = re.compile(r'^\w+ "([A-Z]+) (\S+) HTTP/1\.[01]" (\d{3})')
KEEP = {"v1", "v2", "v3", "r0", "ocs", "cloud", "users", "groups", "rooms", "state", "invite",
        "kick", "leave", "join", "createRoom", "directory", "room", "admin", "profile", "sync",
        "members", "hierarchy", "send", "xmlrpc", "object", "common", "json", "whoami",
        "account", "versions", "capabilities", "user", "details", "disable", "enable",
        "displayname", "threepid", "_matrix", "client", "_synapse", "v1.php", "v2.php",
        "remote.php", "dav", "messages", "m.room.member", "m.space.child", "m.space.parent",
        "m.room.name", "m.room.topic", "m.room.power_levels", "apps", "files_sharing", "api",
        "shares", "media", "filter", "deactivate", "register", "login", "web", "session",
        "dataset", "call_kw", "search_read", "read", "write", "create", "event"}


def template(target):
    path, _, query = target.partition("?")
    segs = []
    for seg in path.split("/"):
        segs.append(seg if (seg == "" or seg in KEEP) else ":id")
    out = "/".join(segs)
    if query:
        out += "?" + "&".join(sorted({kv.partition("=")[0] for kv in query.split("&")}))
    return out


def count(log_text, since_line=0):
    """({"METHOD route": n}, lines read) from the log's line `since_line` on."""
    counts = collections.Counter()
    lines = log_text.splitlines()
    for line in lines[since_line:]:
        m = LINE.match(line)
        if m and not m.group(2).startswith("/_sim/"):
            counts["%s %s" % (m.group(1), template(m.group(2)))] += 1
    return dict(counts), len(lines)
