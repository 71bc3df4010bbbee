"""Nextcloud's CalDAV sharing (apps/dav OCA\\DAV\\DAV\\Sharing\\Plugin + Backend), which the
capture does not show; shaped after Nextcloud's server code:
- POST to a calendar with an application/xml (or text/xml) body whose root is
  {http://owncloud.org/ns}share: each <o:set> adds or replaces one sharee (read-only unless
  <o:read-write/>), each <o:remove> drops one; 200, empty body, X-Sabre-Status header.
  Any other POST is Sabre's 501 "no handler" answer.
- A sharee is "principal:principals/users/<uid>" or "principal:principals/groups/<gid>" (gid
  PHP-urlencoded). Unknown principals, the owner itself, and groups while group sharing is
  off (seed "sharing": {"allow_group_sharing": false}) are ignored silently: still 200.
- {http://owncloud.org/ns}invite in PROPFIND lists the sharees (Xml\\Invite).
"""
import xml.etree.ElementTree as ET
from urllib.parse import unquote_plus

import dav_xml as X
from simbase import Response

OC_SHARE = "{%s}share" % X.OC


def invite_xml(state, cal):
    out = []
    for principal, read_write in sorted(cal.shares.items()):
        kind, _, name = principal[len("principals/"):].partition("/")
        who = unquote_plus(name)
        if kind == "groups":
            common = state.groups.get(who, {}).get("displayname", who)
        else:
            common = state.users.get(who, {}).get("displayname", who)
        out.append("<oc:user><d:href>principal:%s</d:href><oc:common-name>%s</oc:common-name>"
                   "<oc:invite-accepted/><oc:access>%s</oc:access></oc:user>"
                   % (X.escape(principal), X.escape(common),
                      "<oc:read-write/>" if read_write else "<oc:read/>"))
    return "".join(out)


def _principal(state, owner, href):
    """The principal uri a sharee href names, or None when Nextcloud would ignore it."""
    if not href.startswith("principal:"):
        return None
    path = href[len("principal:"):]
    parts = path.split("/", 2)
    if len(parts) != 3 or parts[0] != "principals" or parts[1] not in ("users", "groups"):
        return None
    name = unquote_plus(parts[2])
    if parts[1] == "users":
        if name == owner or name not in state.users:
            return None
    else:
        if not state.allow_group_sharing or name not in state.groups:
            return None
    return path


def post(req, state, owner, cal):
    ctype = req.header("Content-Type") or ""
    root = None
    if "application/xml" in ctype or "text/xml" in ctype:
        try:
            root = ET.fromstring(req.body)
        except ET.ParseError:
            return X.sabre_error(400, "Sabre\\Xml\\ParseException", "invalid XML body")
    if root is None or root.tag != OC_SHARE:
        return X.sabre_error(501, "Sabre\\DAV\\Exception\\NotImplemented",
                             'There was no handler found for this "POST" method')
    state.share_posts += 1
    for el in root:
        href_el = el.find("{DAV:}href")
        href = (href_el.text or "").strip() if href_el is not None else ""
        principal = _principal(state, owner, href)
        if principal is None:
            continue
        if el.tag == "{%s}set" % X.OC:
            cal.shares[principal] = el.find("{%s}read-write" % X.OC) is not None
        elif el.tag == "{%s}remove" % X.OC:
            cal.shares.pop(principal, None)
    return Response(200, b"", [("X-Sabre-Status", "everything-went-well")])


def shared_with(state, user):
    """[(listed name, calendar)] shared with `user` directly or through a group, named as
    Nextcloud lists them in the sharee's calendar home (CalDavBackend::getCalendarsForUser:
    "<uri>_shared_by_<owner>"). Listing only: the simulator does not serve them further."""
    out = []
    for owner, cals in state.calendars.items():
        if owner == user:
            continue
        for name, cal in cals.items():
            for principal in cal.shares:
                kind, _, who = principal[len("principals/"):].partition("/")
                who = unquote_plus(who)
                if (kind == "users" and who == user) or (
                        kind == "groups" and user in state.groups.get(who, {}).get("members", [])):
                    out.append(("%s_shared_by_%s" % (name, owner), cal))
                    break
    return out
