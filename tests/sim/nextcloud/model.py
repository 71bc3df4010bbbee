"""The simulator's state: users, groups, shares, files and calendars.

Plain data with small helpers; every access happens under SimApp.lock, so nothing here
locks. Ids and counters follow what the capture shows (fileids grow by one, share ids are
strings, calendars start at sync token 1 and count one per change).
"""
import hashlib
import secrets
import time

WELCOME = ("Welcome to Nextcloud!\n\nThis is just an example file for developers and "
           "git users.\nThe users who are not developers can ignore it.\n\n"
           "Have fun with Nextcloud!\n")[:164].ljust(164, ".")


def md5(data):
    return hashlib.md5(data if isinstance(data, bytes) else data.encode("utf-8")).hexdigest()


def parse_quota(text):
    """'1 GB' -> 1073741824 (Nextcloud's human file size), 'none' stays."""
    if text is None or str(text).strip() in ("", "none", "default"):
        return "none"
    parts = str(text).strip().split()
    try:
        number = float(parts[0])
    except ValueError:
        return None
    unit = parts[1].upper() if len(parts) > 1 else "B"
    factor = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}.get(unit)
    return None if factor is None else int(number * factor)


class Node:
    def __init__(self, fileid, is_dir, content=b""):
        self.fileid = fileid
        self.is_dir = is_dir
        self.content = content
        self.mtime = time.time()
        self.etag = ""
        self.touch()

    def touch(self):
        self.mtime = time.time()
        # Folders: PHP uniqid-like (13 hex), files: md5-like (32 hex), as captured.
        self.etag = secrets.token_hex(7)[:13] if self.is_dir else secrets.token_hex(16)


class CalendarObject:
    def __init__(self, data, uid):
        self.data = data  # bytes, stored unchanged
        self.uid = uid
        self.etag = md5(data)
        self.mtime = time.time()


class Calendar:
    def __init__(self, displayname, color="#0082c9", components=("VEVENT",)):
        self.displayname = displayname
        self.color = color
        self.components = list(components)
        self.token = 1           # http://sabre.io/ns/sync/<token>
        self.changes = []        # (token after the change, object name)
        self.objects = {}        # name -> CalendarObject
        self.shares = {}         # principal uri ("principals/groups/lyon") -> read-write?

    def record(self, name):
        self.token += 1
        self.changes.append((self.token, name))


class State:
    def __init__(self):
        self.users = {}      # uid -> dict
        self.groups = {}     # gid -> {"displayname": str, "members": [uid]}
        self.shares = {}     # id (int) -> dict
        self.next_share = 1
        self.next_fileid = 2
        self.files = {}      # uid -> {path: Node}  ("" is the home folder)
        self.calendars = {}  # uid -> {name: Calendar}
        self.failures = 0    # failed logins from 127.0.0.1 (brute-force protection)
        self.allow_group_sharing = True  # Sharing settings: "Allow sharing with groups"
        self.sync_page_limit = 0         # > 0: sync-collection answers cut at N (507)
        self.share_posts = 0             # oc:share POSTs handled (tests count writes)
        self.max_failures = 10

    # --- users and groups ---------------------------------------------------------
    def add_user(self, uid, password, email="", displayname=None, groups=(), enabled=True,
                 language="en", quota="none", app_passwords=()):
        self.users[uid] = {"password": password, "email": email,
                           "displayname": displayname or uid, "enabled": enabled,
                           "language": language, "quota": quota, "groups": [],
                           "app_passwords": list(app_passwords), "last_login": 0}
        for gid in groups:
            self.add_member(gid, uid)
        home = self.new_node(True)
        welcome = self.new_node(False, WELCOME.encode())
        welcome.etag = md5(WELCOME + uid)
        self.files[uid] = {"": home, "/welcome.txt": welcome}
        self.calendars[uid] = {"personal": Calendar("Personal")}

    def delete_user(self, uid):
        for gid in list(self.users[uid]["groups"]):
            self.remove_member(gid, uid)
        for sid in [s for s, sh in self.shares.items() if sh["owner"] == uid]:
            del self.shares[sid]
        del self.users[uid]
        self.files.pop(uid, None)
        self.calendars.pop(uid, None)

    def add_group(self, gid, displayname=None):
        self.groups.setdefault(gid, {"displayname": displayname or gid, "members": []})

    def add_member(self, gid, uid):
        self.add_group(gid)
        if uid not in self.groups[gid]["members"]:
            self.groups[gid]["members"].append(uid)
            self.groups[gid]["members"].sort()
        if gid not in self.users[uid]["groups"]:
            self.users[uid]["groups"].append(gid)

    def remove_member(self, gid, uid):
        if uid in self.groups.get(gid, {}).get("members", []):
            self.groups[gid]["members"].remove(uid)
        if gid in self.users.get(uid, {}).get("groups", []):
            self.users[uid]["groups"].remove(gid)

    def is_admin(self, uid):
        return uid in self.groups.get("admin", {}).get("members", [])

    # --- files --------------------------------------------------------------------
    def new_node(self, is_dir, content=b""):
        node = Node(self.next_fileid, is_dir, content)
        self.next_fileid += 1
        return node

    def touch_parents(self, uid, path):
        """A change below a folder gives every folder above it one new etag (50: the home
        folder and 'Coop Shared' carry the same etag after a file was put in the latter)."""
        tree = self.files[uid]
        parts = path.strip("/").split("/")
        fresh = Node(0, True)
        for i in range(len(parts) - 1, -1, -1):
            parent = "/" + "/".join(parts[:i]) if i else ""
            if parent in tree:
                tree[parent].etag = fresh.etag
                tree[parent].mtime = fresh.mtime

    def size(self, uid, path):
        tree = self.files[uid]
        node = tree[path]
        if not node.is_dir:
            return len(node.content)
        prefix = path + "/"
        return sum(len(n.content) for p, n in tree.items()
                   if p.startswith(prefix) and not n.is_dir)

    def children(self, uid, path):
        tree = self.files[uid]
        prefix = path + "/"
        return sorted(p for p in tree if p.startswith(prefix) and "/" not in p[len(prefix):])

    def shares_of(self, uid, path):
        return [s for s in self.shares.values() if s["owner"] == uid and s["path"] == path]

    def received(self, uid):
        """Group shares reaching `uid`: {target path: [share, ...]}. The target is the
        folder's own name in the recipient's root, like Nextcloud's file_target (45)."""
        out = {}
        for share in self.shares.values():
            if share["owner"] == uid or share["type"] != 1:
                continue
            if uid in self.groups.get(share["with"], {}).get("members", []):
                target = "/" + share["path"].rstrip("/").rsplit("/", 1)[-1]
                out.setdefault(target, []).append(share)
        return out
