"""What people do in each system, through that system's own API, for scenarios 5-7: the Odoo
web client's XML-RPC calls, a Mobilizon user's GraphQL mutations (documents as in
../shared/fixtures/mobilizon/examples), and reads of Nextcloud's WebDAV as the admin.
Credentials are the seed's; nothing here goes through coopsync."""
import base64
import json
import urllib.error
import urllib.request
import xmlrpc.client


# --- Odoo: XML-RPC execute_kw, as the admin ------------------------------------------------
def odoo(coop):
    """call(model, method, *args, **kwargs) -> the result of execute_kw."""
    url = coop.sims["odoo"].url
    db = coop.seed["odoo"]["database"]
    key = coop.env["COOPSYNC_E2E_ODOO_API_KEY"]
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "admin", key, {})
    if not uid:
        raise AssertionError("odoo: authentication failed")
    obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    return lambda model, method, *args, **kw: obj.execute_kw(db, uid, key, model, method,
                                                             list(args), kw)


def odoo_partner(call, email):
    rows = call("res.partner", "search_read", [["email", "=", email]], fields=["category_id"])
    if len(rows) != 1:
        raise AssertionError("odoo: %d partners with email %s" % (len(rows), email))
    return rows[0]


# --- Mobilizon: GraphQL as a logged-in user -------------------------------------------------
class Mobilizon:
    def __init__(self, coop, email, password):
        self.url = coop.sims["mobilizon"].url + "/api"
        login = self.call("mutation Login($email: String!, $password: String!) {\n"
                          "  login(email: $email, password: $password) { accessToken }\n}",
                          {"email": email, "password": password}, token=None)
        self.token = login["data"]["login"]["accessToken"]

    def call(self, query, variables, token=""):
        token = self.token if token == "" else token
        req = urllib.request.Request(self.url, data=json.dumps(
            {"query": query, "variables": variables}).encode("utf-8"), method="POST")
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read().decode("utf-8"))

    def ok(self, query, variables):
        out = self.call(query, variables)
        if out.get("errors"):
            raise AssertionError("mobilizon: %s" % out["errors"])
        return out["data"]


JOIN_EVENT = """mutation JoinEvent($eventId: ID!, $actorId: ID!, $message: String) {
  joinEvent(eventId: $eventId, actorId: $actorId, message: $message) {
    id role insertedAt event { id uuid } actor { __typename id preferredUsername }
  }
}"""

CREATE_EVENT = """mutation CreateEvent($organizerActorId: ID!, $attributedToId: ID, $title: String!,
  $description: String!, $beginsOn: DateTime!, $endsOn: DateTime, $status: EventStatus,
  $visibility: EventVisibility, $joinOptions: EventJoinOptions, $draft: Boolean,
  $category: EventCategory, $options: EventOptionsInput, $language: String) {
  createEvent(organizerActorId: $organizerActorId, attributedToId: $attributedToId, title: $title,
    description: $description, beginsOn: $beginsOn, endsOn: $endsOn, status: $status,
    visibility: $visibility, joinOptions: $joinOptions, draft: $draft, category: $category,
    options: $options, language: $language) {
    id uuid title beginsOn endsOn status
  }
}"""

UPDATE_EVENT = """mutation UpdateEvent($eventId: ID!, $title: String, $description: String,
  $beginsOn: DateTime, $endsOn: DateTime, $status: EventStatus, $visibility: EventVisibility,
  $joinOptions: EventJoinOptions, $draft: Boolean, $attributedToId: ID, $category: EventCategory,
  $options: EventOptionsInput, $language: String) {
  updateEvent(eventId: $eventId, title: $title, description: $description, beginsOn: $beginsOn,
    endsOn: $endsOn, status: $status, visibility: $visibility, joinOptions: $joinOptions,
    draft: $draft, attributedToId: $attributedToId, category: $category, options: $options,
    language: $language) {
    id uuid beginsOn endsOn status updatedAt
  }
}"""


# --- Nextcloud: WebDAV / CalDAV reads as the admin --------------------------------------------
def nextcloud_dav(coop, method, path, body=None, depth="0"):
    """(status, text) of a DAV request to <nextcloud>/remote.php/dav/<path>."""
    req = urllib.request.Request(coop.sims["nextcloud"].url + "/remote.php/dav/" + path,
                                 data=body.encode("utf-8") if body else None, method=method)
    token = "admin:" + coop.env["COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD"]
    req.add_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
    req.add_header("Depth", depth)
    if body:
        req.add_header("Content-Type", "application/xml; charset=utf-8")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def unfold(ics):
    """An iCalendar text's logical lines (RFC 5545 3.1 folding undone)."""
    return ics.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "").split("\n")


def vevent_props(ics):
    """{NAME(;params): value} of the VEVENT of an iCalendar object."""
    props, inside = {}, False
    for line in unfold(ics):
        if line == "BEGIN:VEVENT":
            inside = True
        elif line == "END:VEVENT":
            inside = False
        elif inside and ":" in line:
            name, _, value = line.partition(":")
            props[name] = value
    return props
