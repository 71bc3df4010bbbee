"""OCS Provisioning API (users, groups), Share API and app passwords, as in fixtures 02-49,
75-79. Each handler returns `data` (success) or raises OcsError(code, message); codes and
messages are the captured ones, or Nextcloud 27's own where the capture has no example."""
import re
import secrets
import time
from urllib.parse import parse_qs, unquote

from model import parse_quota
from ocs_render import OcsError

SHARE_READ, SHARE_UPDATE, SHARE_CREATE, SHARE_DELETE, SHARE_SHARE = 1, 2, 4, 8, 16


def form(req):
    """Form body merged over the query string (Nextcloud reads both, 32/33)."""
    params = {k: v for k, v in req.query.items()}
    if req.body and "json" not in (req.header("Content-Type") or ""):
        for k, v in parse_qs(req.body.decode("utf-8"), keep_blank_values=True).items():
            params[k] = v
    return params


def one(params, key, default=None):
    values = params.get(key)
    return values[-1] if values else default


def many(params, key):
    return params.get(key + "[]", []) + params.get(key, [])


def user_details(state, uid):
    u = state.users[uid]
    quota = u["quota"]
    return {"enabled": u["enabled"],
            "storageLocation": "/srv/nextcloud-files/nextcloud-data/" + uid,
            "id": uid, "lastLogin": u["last_login"], "backend": "Database", "subadmin": [],
            "quota": {"quota": quota, "used": 0}, "manager": "", "email": u["email"],
            "additional_mail": [], "displayname": u["displayname"],
            "display-name": u["displayname"], "phone": "", "address": "", "website": "",
            "twitter": "", "fediverse": "", "organisation": "", "role": "", "headline": "",
            "biography": "", "profile_enabled": "1", "groups": list(u["groups"]),
            "language": u["language"], "locale": "", "notify_email": None,
            "backendCapabilities": {"setDisplayName": True, "setPassword": True}}


def self_details(state, uid):
    """/cloud/user: the current user's own view, with scopes (41)."""
    u = state.users[uid]
    total = u["quota"] if isinstance(u["quota"], int) else 0
    used = state.size(uid, "")
    out = {"id": uid, "lastLogin": u["last_login"], "backend": "Database", "subadmin": [],
           "quota": {"free": max(0, total - used), "used": used, "total": total,
                     "relative": 0, "quota": u["quota"]},
           "manager": "", "avatarScope": "v2-federated", "email": u["email"],
           "emailScope": "v2-federated", "additional_mail": [], "additional_mailScope": [],
           "displayname": u["displayname"], "display-name": u["displayname"],
           "displaynameScope": "v2-federated"}
    for key in ("phone", "address", "website", "twitter", "fediverse", "organisation",
                "role", "headline", "biography"):
        out[key] = ""
        out[key + "Scope"] = "v2-local"
    out.update({"profile_enabled": "1", "profile_enabledScope": "v2-local",
                "groups": list(u["groups"]), "language": u["language"], "locale": "",
                "notify_email": None,
                "backendCapabilities": {"setDisplayName": True, "setPassword": True}})
    return out


def _page(items, params):
    offset = int(one(params, "offset", "0") or 0)
    limit = one(params, "limit")
    items = items[offset:]
    if limit not in (None, "", "-1"):
        items = items[:int(limit)]
    return items


def _search_users(state, params):
    term = (one(params, "search", "") or "").lower()
    uids = sorted(state.users)
    if term:
        uids = [u for u in uids if term in u.lower()
                or term in state.users[u]["displayname"].lower()
                or term in state.users[u]["email"].lower()]
    return _page(uids, params)


class Ocs:
    def __init__(self, state):
        self.state = state

    def route(self, req, path, uid, via_app_password):
        """`path` is what follows /ocs/vN.php. Returns data or raises OcsError."""
        s = self.state
        m = req.method
        admin = s.is_admin(uid)
        if path == "/cloud/capabilities" and m == "GET":
            return self.capabilities()
        if path == "/cloud/user" and m == "GET":
            return self_details(s, uid)
        if path == "/core/getapppassword" and m == "GET":
            if via_app_password:
                raise OcsError(403, "You cannot request an new apppassword with an apppassword")
            token = secrets.token_urlsafe(54).replace("-", "a").replace("_", "b")[:72]
            s.users[uid]["app_passwords"].append(token)
            return {"apppassword": token}
        if path == "/core/apppassword" and m == "DELETE":
            if not via_app_password:
                raise OcsError(403, "no app password in use")
            s.users[uid]["app_passwords"].remove(via_app_password)
            return []
        if path.startswith("/apps/files_sharing/api/v1/shares"):
            return self.shares(req, path[len("/apps/files_sharing/api/v1/shares"):], uid)
        if path.startswith("/cloud/users") or path.startswith("/cloud/groups"):
            target = re.match(r"^/cloud/users/([^/]+)", path)
            self_get = target and unquote(target.group(1)) == uid and m == "GET" \
                and path.count("/") == 3
            if not admin and not self_get:
                raise OcsError(403, "Logged in user must be at least a sub admin")
            if path.startswith("/cloud/users"):
                return self.users(req, path[len("/cloud/users"):])
            return self.groups(req, path[len("/cloud/groups"):])
        raise OcsError(998, "Invalid query, please check the syntax. API specifications are "
                            "here: http://www.freedesktop.org/wiki/Specifications/open-"
                            "collaboration-services.")

    def capabilities(self):
        return {"version": {"major": 27, "minor": 1, "micro": 0, "string": "27.1.0",
                            "edition": "", "extendedSupport": False},
                "capabilities": {"core": {"pollinterval": 60,
                                          "webdav-root": "remote.php/webdav"},
                                 "bruteforce": {"delay": 0, "allow-listed": False},
                                 "files_sharing": {"api_enabled": True,
                                                   "group_sharing": True}}}

    # --- users --------------------------------------------------------------------
    def users(self, req, rest):
        s = self.state
        m = req.method
        p = form(req)
        if rest == "" and m == "GET":
            return {"users": _search_users(s, p)}
        if rest == "/details" and m == "GET":
            return {"users": {u: user_details(s, u) for u in _search_users(s, p)}}
        if rest == "" and m == "POST":
            return self.create_user(p)
        match = re.match(r"^/([^/]+)(/[a-z]+)?$", rest)
        if not match:
            raise OcsError(998, "")
        uid = unquote(match.group(1))
        sub = match.group(2) or ""
        exists = uid in s.users
        if sub == "" and m == "GET":
            if not exists:
                raise OcsError(404, "User does not exist")
            return user_details(s, uid)
        if sub == "" and m == "PUT":
            if not exists:  # Nextcloud 27 editUser: unknown target -> RESPOND_UNAUTHORISED
                raise OcsError(997, "")
            return self.edit_user(uid, one(p, "key", ""), one(p, "value", ""))
        if sub == "" and m == "DELETE":
            if not exists:
                raise OcsError(998, "")
            s.delete_user(uid)
            return []
        if sub in ("/disable", "/enable") and m == "PUT":
            if not exists:
                raise OcsError(101, "")
            s.users[uid]["enabled"] = sub == "/enable"
            return []
        if sub == "/groups":
            if m == "GET":
                if not exists:
                    raise OcsError(998, "")
                return {"groups": list(s.users[uid]["groups"])}
            gid = one(p, "groupid", "")
            if not gid:
                raise OcsError(101, "")
            if gid not in s.groups:
                raise OcsError(102, "")
            if not exists:
                raise OcsError(103, "")
            if m == "POST":
                s.add_member(gid, uid)
                return []
            if m == "DELETE":
                s.remove_member(gid, uid)
                return []
        raise OcsError(998, "")

    def create_user(self, p):
        s = self.state
        uid = one(p, "userid", "")
        if not uid or not re.match(r"^[a-zA-Z0-9 _.@\-']+$", uid):
            raise OcsError(101, "Invalid user name")
        if uid in s.users:
            raise OcsError(102, "User already exists")
        groups = many(p, "groups")
        for gid in groups:
            if gid not in s.groups:
                raise OcsError(104, "group %s does not exist" % gid)
        password = one(p, "password", "")
        email = one(p, "email", "")
        if not password and not email:
            raise OcsError(108, "To send a password link to the user an email address is "
                                "required.")
        quota = parse_quota(one(p, "quota"))
        if quota is None:
            raise OcsError(102, "Invalid quota value: " + one(p, "quota"))
        s.add_user(uid, password or secrets.token_hex(16), email=email,
                   displayname=one(p, "displayName") or None, groups=groups,
                   language=one(p, "language") or "en", quota=quota)
        return {"id": uid}

    def edit_user(self, uid, key, value):
        u = self.state.users[uid]
        if key == "email":
            if value and not re.match(r"^[^@\s]+@[^@\s]+$", value):
                raise OcsError(102, "")
            u["email"] = value
        elif key in ("displayname", "display"):
            u["displayname"] = value
        elif key == "quota":
            quota = parse_quota(value)
            if quota is None:
                raise OcsError(102, "Invalid quota value: " + value)
            u["quota"] = quota
        elif key == "language":
            u["language"] = value
        elif key == "password":
            u["password"] = value
        else:
            raise OcsError(103, "")
        return []

    # --- groups -------------------------------------------------------------------
    def groups(self, req, rest):
        s = self.state
        m = req.method
        p = form(req)
        if rest in ("", "/details") and m == "GET":
            term = (one(p, "search", "") or "").lower()
            gids = _page(sorted(g for g in s.groups if term in g.lower()
                                or term in s.groups[g]["displayname"].lower()), p)
            if rest == "":
                return {"groups": gids}
            return {"groups": [{"id": g, "displayname": s.groups[g]["displayname"],
                                "usercount": len(s.groups[g]["members"]), "disabled": 0,
                                "canAdd": True, "canRemove": True} for g in gids]}
        if rest == "" and m == "POST":
            gid = one(p, "groupid", "")
            if not gid:
                raise OcsError(101, "Invalid group name")
            if gid in s.groups:
                raise OcsError(102, "group exists")
            s.add_group(gid, one(p, "displayname") or None)
            return []
        # groupId => '.+' in Nextcloud's routes: a '/' of the id may come as is or as %2F.
        match = re.match(r"^/(.+?)(/users)?$", rest)
        if not match:
            raise OcsError(998, "")
        gid = unquote(match.group(1))
        if gid not in s.groups:
            if m == "DELETE":
                raise OcsError(101, "Group does not exist")
            raise OcsError(404, "The requested group could not be found")
        if m == "PUT" and not match.group(2):  # editGroup (Nextcloud 27: key=displayname)
            if one(p, "key") != "displayname":
                raise OcsError(101, "")
            s.groups[gid]["displayname"] = one(p, "value", "") or gid
            return []
        if m == "GET":  # /groups/<gid> (legacy, v1) and /groups/<gid>/users
            return {"users": list(s.groups[gid]["members"])}
        if m == "DELETE" and not match.group(2):
            if gid == "admin":
                raise OcsError(102, "")
            for uid in list(s.groups[gid]["members"]):
                s.remove_member(gid, uid)
            del s.groups[gid]
            return []
        raise OcsError(998, "")

    # --- shares -------------------------------------------------------------------
    def share_data(self, share, creating=False):
        s = self.state
        node = s.files[share["owner"]].get(share["path"])
        group = s.groups.get(share["with"], {})
        return {"id": str(share["id"]), "share_type": share["type"],
                "uid_owner": share["owner"], "displayname_owner":
                s.users[share["owner"]]["displayname"], "permissions": share["permissions"],
                "can_edit": True, "can_delete": True, "stime": share["stime"],
                "parent": None, "expiration": None, "token": None,
                "uid_file_owner": share["owner"], "note": "", "label": None,
                "displayname_file_owner": s.users[share["owner"]]["displayname"],
                "path": share["path"], "item_type": "folder" if node.is_dir else "file",
                "mimetype": "httpd/unix-directory" if node.is_dir else "text/plain",
                "has_preview": False, "storage_id": "home::" + share["owner"], "storage": 1,
                "item_source": node.fileid, "file_source": node.fileid,
                "file_parent": s.files[share["owner"]][""].fileid,
                "file_target": "/" + share["path"].rstrip("/").rsplit("/", 1)[-1],
                "share_with": share["with"],
                "share_with_displayname": group.get("displayname", share["with"]),
                # The create answer says 1, later listings 0 (45 vs 48).
                "mail_send": 1 if creating else 0, "hide_download": 0, "attributes": None}

    def shares(self, req, rest, uid):
        s = self.state
        m = req.method
        p = form(req)
        if rest == "" and m == "GET":
            path = one(p, "path")
            found = [sh for sh in sorted(s.shares.values(), key=lambda x: x["id"])
                     if sh["owner"] == uid and (path is None or sh["path"] == path)]
            if path is not None and path not in s.files[uid]:
                raise OcsError(404, "Wrong path, file/folder does not exist")
            return [self.share_data(sh) for sh in found]
        if rest == "" and m == "POST":
            path = one(p, "path", "")
            if path not in s.files[uid] or path == "":
                raise OcsError(404, "Wrong path, file/folder does not exist")
            stype = int(one(p, "shareType", "-1") or -1)
            if stype != 1:
                raise OcsError(400, "Unknown share type")
            gid = one(p, "shareWith", "")
            if gid not in s.groups:
                raise OcsError(404, "Please specify a valid group")
            if any(sh["with"] == gid and sh["type"] == 1 for sh in s.shares_of(uid, path)):
                raise OcsError(403, "Path is already shared with this group")
            perms = int(one(p, "permissions", "31") or 31)
            if perms < 1 or perms > 31:
                raise OcsError(400, "Invalid permissions")
            share = {"id": s.next_share, "type": 1, "owner": uid, "path": path, "with": gid,
                     "permissions": perms, "stime": int(time.time())}
            s.shares[share["id"]] = share
            # Nextcloud 27 consumed one id per member too (45 -> id 1, 46 -> id 4).
            s.next_share += 1 + len(s.groups[gid]["members"])
            s.touch_parents(uid, path + "/x")
            return self.share_data(share, creating=True)
        match = re.match(r"^/(\d+)$", rest)
        share = s.shares.get(int(match.group(1))) if match else None
        if share is None or share["owner"] != uid:
            raise OcsError(404, "Wrong share ID, share does not exist")
        if m == "GET":
            return [self.share_data(share)]
        if m == "PUT":
            if one(p, "permissions") is not None:
                perms = int(one(p, "permissions"))
                if perms < 1 or perms > 31:
                    raise OcsError(400, "Invalid permissions")
                share["permissions"] = perms
            return self.share_data(share)
        if m == "DELETE":
            del s.shares[share["id"]]
            return []
        raise OcsError(998, "")
