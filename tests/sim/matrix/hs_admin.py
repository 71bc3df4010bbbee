"""Accounts: /login, /register, shared-secret registration and the Synapse admin API
(fixtures 02-07, 11-17, 52-53, 59-63), as Synapse 1.67 answers them."""
import hashlib
import hmac
import os
import re

from hs_model import MatrixError, forbidden

LOGIN_FLOWS = {"flows": [{"type": "m.login.password"}, {"type": "m.login.application_service"}]}


def _public_user(user):
    return {k: v for k, v in user.items() if not k.startswith("_")}


def _list_user(user):
    keys = ("name", "user_type", "is_guest", "admin", "deactivated", "shadow_banned",
            "displayname", "avatar_url")
    out = {k: user[k] for k in keys}
    out["creation_ts"] = user["creation_ts"] * 1000
    return out


def login(hs, body, as_requester):
    """POST /_matrix/client/v3/login (rate limiting is done by the caller, first)."""
    ltype = body.get("type")
    ident = body.get("identifier") or {}
    name = ident.get("user") or body.get("user")
    if ltype not in ("m.login.password", "m.login.application_service"):
        raise MatrixError(400, "M_UNKNOWN", "Unknown login type %s" % ltype)
    if not name:
        raise MatrixError(400, "M_INVALID_PARAM", "User identifier is missing 'user' key")
    user_id = hs.user_id(name)
    user = hs.users.get(user_id)
    if ltype == "m.login.application_service":
        if not as_requester:
            raise MatrixError(401, "M_MISSING_TOKEN", "Missing access token")
        if not hs.is_appservice_user(user_id):
            raise forbidden("Invalid username or password")
        if user is None:
            raise forbidden("Invalid username or password")
    else:
        password = body.get("password")
        if user is None or not password or user.get("_password") != password:
            if user is not None and user["deactivated"]:
                raise MatrixError(403, "M_USER_DEACTIVATED", "This account has been deactivated")
            raise forbidden("Invalid username or password")
        if user["deactivated"]:
            raise MatrixError(403, "M_USER_DEACTIVATED", "This account has been deactivated")
    token, device_id = hs.new_token(user_id)
    return {"user_id": user_id, "access_token": token, "home_server": hs.server_name,
            "device_id": device_id}


def register_appservice(hs, body, requester):
    """POST /_matrix/client/v3/register with m.login.application_service (52, 53)."""
    if body.get("type") != "m.login.application_service" or not requester.get("appservice"):
        raise forbidden("Registration has been disabled")
    username = body.get("username") or ""
    user_id = hs.user_id(username)
    if not hs.is_appservice_user(user_id):
        raise MatrixError(400, "M_EXCLUSIVE",
                          "Invalid user localpart for this application service.")
    if not re.fullmatch(r"[a-z0-9._=/+-]+", username):
        raise MatrixError(400, "M_INVALID_USERNAME",
                          "User ID can only contain characters a-z, 0-9, or '=_-./+'")
    if user_id in hs.users:
        raise MatrixError(400, "M_USER_IN_USE", "User ID already taken.")
    hs.add_user(user_id, appservice_id=hs.appservice.get("id"))
    token, device_id = hs.new_token(user_id)
    return {"user_id": user_id, "home_server": hs.server_name, "access_token": token,
            "device_id": device_id}


def shared_secret_nonce(hs):
    nonce = os.urandom(64).hex()
    hs.nonces.add(nonce)
    return {"nonce": nonce}


def shared_secret_register(hs, body):
    """POST /_synapse/admin/v1/register (04, 05): HMAC-SHA1 over nonce, user, password, admin."""
    if not hs.shared_secret:
        raise MatrixError(400, "M_UNKNOWN", "Shared secret registration is not enabled")
    nonce = body.get("nonce")
    if nonce not in hs.nonces:
        raise MatrixError(400, "M_UNKNOWN", "unrecognised nonce")
    hs.nonces.discard(nonce)
    username = body.get("username") or ""
    password = body.get("password") or ""
    admin = bool(body.get("admin"))
    msg = b"\x00".join([nonce.encode(), username.encode(), password.encode(),
                        b"admin" if admin else b"notadmin"])
    want = hmac.new(hs.shared_secret.encode(), msg, hashlib.sha1).hexdigest()
    if not hmac.compare_digest(want, body.get("mac") or ""):
        raise forbidden("HMAC incorrect")
    user_id = hs.user_id(username)
    if user_id in hs.users:
        raise MatrixError(400, "M_USER_IN_USE", "User ID already taken.")
    hs.add_user(user_id, password=password, admin=admin, displayname=body.get("displayname"))
    token, device_id = hs.new_token(user_id)
    return {"user_id": user_id, "home_server": hs.server_name, "access_token": token,
            "device_id": device_id}


def require_admin(hs, requester):
    user = hs.users.get(requester["user_id"])
    if not user or not user["admin"]:
        raise forbidden("You are not a server admin")


def get_user(hs, user_id):
    user = hs.users.get(user_id)
    if user is None:
        raise MatrixError(404, "M_NOT_FOUND", "User not found")
    return _public_user(user)


def put_user(hs, user_id, body):
    """PUT /_synapse/admin/v2/users/{id}: 201 + user when new, 200 + user when modified."""
    if not user_id.endswith(":" + hs.server_name):
        raise MatrixError(400, "M_UNKNOWN", "This endpoint can only be used with local users")
    created = user_id not in hs.users
    if created:
        hs.add_user(user_id, password=body.get("password"), admin=bool(body.get("admin")),
                    displayname=body.get("displayname"), threepids=body.get("threepids"))
        user = hs.users[user_id]
    else:
        user = hs.users[user_id]
        if "displayname" in body:
            user["displayname"] = body["displayname"]
        if "password" in body:
            user["_password"] = body["password"]
        if "admin" in body:
            user["admin"] = 1 if body["admin"] else 0
        if "avatar_url" in body:
            user["avatar_url"] = body["avatar_url"]
        if "threepids" in body:
            user["threepids"] = [hs._threepid(t, user["creation_ts"] * 1000)
                                 for t in body["threepids"]]
        if body.get("deactivated") is True and not user["deactivated"]:
            hs.deactivate(user_id)
        elif body.get("deactivated") is False and user["deactivated"]:
            if not body.get("password"):
                raise MatrixError(400, "M_UNKNOWN", "Must provide a password to re-activate an account.")
            user["deactivated"] = 0
    if "threepids" in body:
        # Synapse stores threepids with an upsert keyed on (medium, address)
        # (RegistrationWorkerStore.user_add_threepid): an address another account holds
        # moves to this one, silently; the admin API has no "in use" check (1.67 to now).
        given = {(t["medium"], t["address"]) for t in user["threepids"]}
        for other_id, other in hs.users.items():
            if other_id != user_id:
                other["threepids"] = [o for o in other["threepids"]
                                      if (o["medium"], o["address"]) not in given]
    return (201 if created else 200), _public_user(user)


def list_users(hs, query):
    def q(name, default):
        return (query.get(name) or [default])[0]
    try:
        start = int(q("from", "0"))
        limit = int(q("limit", "100"))
    except ValueError:
        raise MatrixError(400, "M_INVALID_PARAM", "Query parameter 'from' must be an integer")
    if start < 0 or limit < 0:
        raise MatrixError(400, "M_INVALID_PARAM", "Query parameter from must be a string representing a positive integer.")
    name = q("name", None) or q("user_id", None)
    guests = q("guests", "true") != "false"
    deactivated = q("deactivated", "false") == "true"
    users = sorted(hs.users.values(), key=lambda u: u["name"])
    users = [u for u in users if (deactivated or not u["deactivated"])
             and (guests or not u["is_guest"])
             and (not name or name.lower() in u["name"].lower()
                  or name.lower() in (u["displayname"] or "").lower())]
    page = users[start:start + limit]
    out = {"users": [_list_user(u) for u in page], "total": len(users)}
    if start + limit < len(users):
        out["next_token"] = str(start + len(page))
    return out


def threepid_lookup(hs, medium, address):
    """GET /_synapse/admin/v1/threepid/{medium}/users/{address} (Synapse >= 1.72; the
    simulator serves it only when the seed enables `features.threepid_lookup`)."""
    for user in hs.users.values():
        for t in user["threepids"]:
            if t["medium"] == medium and t["address"].lower() == address.lower():
                return {"user_id": user["name"]}  # the whole answer (UserByThreePid)
    raise MatrixError(404, "M_NOT_FOUND", "User not found")


def deactivate(hs, user_id):
    if user_id not in hs.users:
        raise MatrixError(404, "M_NOT_FOUND", "User not found")
    hs.deactivate(user_id)
    return {"id_server_unbind_result": "success"}


def login_as(hs, user_id):
    if user_id not in hs.users:
        raise MatrixError(404, "M_NOT_FOUND", "User not found")
    token, _ = hs.new_token(user_id, device=False, puppet=True)
    return {"access_token": token}


def user_directory_search(hs, body):
    term = (body.get("search_term") or "").lower()
    limit = int(body.get("limit", 10))
    hits = [u for u in sorted(hs.users.values(), key=lambda u: u["name"])
            if not u["deactivated"] and term
            and (term in u["name"].lower() or term in (u["displayname"] or "").lower())]
    return {"limited": len(hits) > limit,
            "results": [{"user_id": u["name"], "display_name": u["displayname"],
                         "avatar_url": u["avatar_url"]} for u in hits[:limit]]}
