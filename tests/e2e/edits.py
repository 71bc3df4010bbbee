"""Edits a person makes in a system, through that system's real API (what the Odoo web
client and the Nextcloud settings page send), for the scenario tests:

    odoo_write(coop, "res.partner", [7], {"phone": "06 ..."})      # XML-RPC execute_kw
    odoo_create(coop, "event.registration", {"event_id": 1, "partner_id": 7})  # -> id
    odoo_search(coop, "res.partner", [["email", "=", "a@b.c"]])   # -> ids
    nextcloud_edit_user(coop, "ana.martin", "displayname", "Ana M.")  # OCS Provisioning API
    nextcloud_create_user(coop, "ana2", "a-password", "ana@coop.example", "Ana")

Credentials are the seed's (the same ones coopsync uses), taken from coop.env.
"""
import base64
import json
import urllib.parse
import urllib.request
import xmlrpc.client


def _odoo(coop):
    url = coop.sims["odoo"].url
    db = coop.seed["odoo"]["database"]
    key = coop.env["COOPSYNC_E2E_ODOO_API_KEY"]
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common", allow_none=True)
    uid = common.authenticate(db, "admin", key, {})
    if not uid:
        raise RuntimeError("odoo: authentication failed")
    obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    return lambda model, method, args, kwargs=None: obj.execute_kw(db, uid, key, model, method,
                                                                   args, kwargs or {})


def odoo_write(coop, model, ids, values):
    return _odoo(coop)(model, "write", [list(ids), values])


def odoo_create(coop, model, values):
    return _odoo(coop)(model, "create", [values])


def odoo_search(coop, model, domain):
    return _odoo(coop)(model, "search", [domain])


def odoo_read(coop, model, ids, fields):
    return _odoo(coop)(model, "read", [list(ids)], {"fields": fields})


def odoo_partner_id(coop, email):
    ids = odoo_search(coop, "res.partner", [["email", "=", email]])
    if len(ids) != 1:
        raise AssertionError("odoo: %d partners with email %s" % (len(ids), email))
    return ids[0]


def _ocs(coop, method, path, form):
    url = "%s/ocs/v1.php/cloud/%s?format=json" % (coop.sims["nextcloud"].url, path)
    body = urllib.parse.urlencode(form).encode("utf-8")
    req = urllib.request.Request(url, data=body, method=method)
    token = "admin:" + coop.env["COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD"]
    req.add_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
    req.add_header("OCS-APIRequest", "true")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=60) as r:
        meta = json.loads(r.read().decode("utf-8"))["ocs"]["meta"]
    if meta.get("statuscode") not in (100, 200):
        raise AssertionError("nextcloud: %s %s: %s" % (method, path, meta))
    return meta


def nextcloud_edit_user(coop, uid, key, value):
    """PUT /ocs/v1.php/cloud/users/<uid> key=<key>&value=<value>, as the admin."""
    return _ocs(coop, "PUT", "users/" + urllib.parse.quote(uid), {"key": key, "value": value})


def nextcloud_create_user(coop, uid, password, email, display_name):
    """POST /ocs/v1.php/cloud/users: an account made by hand, as the admin."""
    return _ocs(coop, "POST", "users", {"userid": uid, "password": password, "email": email,
                                        "displayName": display_name})
