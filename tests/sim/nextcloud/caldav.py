"""CalDAV as Nextcloud 27 serves it (53-74): principal discovery, calendar home, MKCALENDAR,
objects with md5 ETags and If-Match / If-None-Match, sync-collection with
http://sabre.io/ns/sync/<N> tokens (unknown-but-well-formed token: 207 with no changes;
malformed: 403 valid-sync-token), calendar-query (time-range, prop-filter text-match) and
calendar-multiget."""
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import cal_sharing
import dav_xml as X
import ical
from model import Calendar, CalendarObject
from simbase import Response

TOKEN_PREFIX = "http://sabre.io/ns/sync/"
CAL_DAV_HEADER = ("DAV", "1, 3, extended-mkcol, access-control, calendarserver-principal-"
                  "property-search, calendar-access, calendar-proxy, calendar-auto-schedule, "
                  "calendar-availability, nc-calendar-trashbin, nc-calendar-webcal-cache, "
                  "calendarserver-subscribed, oc-resource-sharing, oc-calendar-publishing, "
                  "calendarserver-sharing, nextcloud-checksum-update, nc-calendar-search, "
                  "nc-enable-birthday-calendar")
CAL_PROPS = [(X.DAV, "resourcetype"), (X.DAV, "displayname"), (X.CS, "getctag"),
             (X.DAV, "sync-token"), (X.CAL, "supported-calendar-component-set"),
             (X.APPLE, "calendar-color")]
SPECIAL = {"inbox": "<d:collection/><cal:schedule-inbox/>",
           "outbox": "<d:collection/><cal:schedule-outbox/>",
           "trashbin": '<d:collection/><x2:trash-bin xmlns:x2="http://nextcloud.com/ns"/>'}


def ok207(area, responses, extra=None, pretty=False, token=None):
    headers = [("Vary", "Brief,Prefer")] if not pretty else []
    headers += list(extra or [])
    return Response(207, X.multistatus(area, responses, pretty, token), headers, X.XML_TYPE)


class CalDav:
    def __init__(self, state):
        self.state = state

    # --- discovery ----------------------------------------------------------------
    def root_propfind(self, req, user):
        props = X.requested_props(req.body, [(X.DAV, "current-user-principal")])
        found, missing = [], []
        for ns, name in props:
            if (ns, name) == (X.DAV, "current-user-principal"):
                found.append((ns, name, "<d:href>/remote.php/dav/principals/users/%s/</d:href>"
                              % user))
            elif (ns, name) == (X.DAV, "resourcetype"):
                found.append((ns, name, "<d:collection/>"))
            else:
                missing.append((ns, name))
        return ok207("files", [X.propstat_response("/remote.php/dav/", found, missing)],
                     [("DAV", "1, 3, extended-mkcol, access-control, calendarserver-principal-"
                              "property-search, nextcloud-checksum-update, nc-calendar-search, "
                              "nc-enable-birthday-calendar")])

    def principal_propfind(self, req, user, who):
        s = self.state
        if who not in s.users:
            return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                 "Principal with name %s not found" % who)
        props = X.requested_props(req.body, [(X.CAL, "calendar-home-set")])
        found, missing = [], []
        for ns, name in props:
            if (ns, name) == (X.CAL, "calendar-home-set"):
                found.append((ns, name, "<d:href>/remote.php/dav/calendars/%s/</d:href>" % who))
            elif (ns, name) == (X.DAV, "displayname"):
                found.append((ns, name, X.escape(s.users[who]["displayname"])))
            elif (ns, name) == (X.CAL, "calendar-user-address-set"):
                mail = s.users[who]["email"]
                inner = ("<d:href>mailto:%s</d:href>" % X.escape(mail)) if mail else ""
                found.append((ns, name, inner + "<d:href>/remote.php/dav/principals/users/%s/"
                              "</d:href>" % who))
            elif (ns, name) == (X.DAV, "resourcetype"):
                found.append((ns, name, "<d:principal/>"))
            else:
                missing.append((ns, name))
        header = (CAL_DAV_HEADER[0], CAL_DAV_HEADER[1].replace(
            "calendarserver-sharing,", "calendarserver-sharing, addressbook,"))
        return ok207("principals", [X.propstat_response(
            "/remote.php/dav/principals/users/%s/" % who, found, missing)], [header])

    # --- calendars ----------------------------------------------------------------
    def handle(self, req, user, rest):
        """`rest` follows /remote.php/dav/calendars/."""
        s = self.state
        parts = [unquote(p) for p in rest.split("/") if p]
        if not parts:
            return X.sabre_error(501, "Sabre\\DAV\\Exception\\NotImplemented", "not here")
        owner = parts[0]
        if owner != user:
            return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                 "Node with name '%s' could not be found" % owner)
        cals = s.calendars[owner]
        m = req.method
        if len(parts) == 1:
            if m == "PROPFIND":
                return self.propfind_home(req, owner)
            return X.sabre_error(405, "Sabre\\DAV\\Exception\\MethodNotAllowed",
                                 "Method not allowed")
        name = parts[1]
        if len(parts) == 2:
            if m == "MKCALENDAR":
                if name in cals or name in SPECIAL:
                    return X.already_exists()
                return self.mkcalendar(req, cals, name)
            cal = cals.get(name)
            if cal is None:
                return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                     "Node with name '%s' could not be found" % name)
            if m == "PROPFIND":
                return self.propfind_calendar(req, owner, name, cal)
            if m == "REPORT":
                return self.report(req, owner, name, cal)
            if m == "POST":
                return cal_sharing.post(req, s, owner, cal)
            if m == "DELETE":
                del cals[name]
                return X.no_content()
            return X.sabre_error(405, "Sabre\\DAV\\Exception\\MethodNotAllowed",
                                 "Method not allowed")
        cal = cals.get(name)
        if cal is None or len(parts) != 3:
            return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                 "Node with name '%s' could not be found" % name)
        return self.object(req, owner, name, cal, parts[2])

    def mkcalendar(self, req, cals, name):
        displayname, color, comps = name, "#0082c9", ["VEVENT", "VTODO"]
        if req.body.strip():
            try:
                root = ET.fromstring(req.body)
            except ET.ParseError:
                return X.sabre_error(400, "Sabre\\Xml\\ParseException", "invalid XML body")
            d = root.find(".//{DAV:}displayname")
            if d is not None and d.text:
                displayname = d.text
            c = root.find(".//{%s}calendar-color" % X.APPLE)
            if c is not None and c.text:
                color = c.text
            comp_set = root.find(".//{%s}supported-calendar-component-set" % X.CAL)
            if comp_set is not None:
                comps = [c.get("name") for c in comp_set]
        cals[name] = Calendar(displayname, color, comps)
        return X.created()

    def cal_props(self, cal, props):
        found, missing = [], []
        for ns, pname in props:
            if (ns, pname) == (X.DAV, "resourcetype"):
                found.append((ns, pname, "<d:collection/><cal:calendar/>"))
            elif (ns, pname) == (X.DAV, "displayname"):
                found.append((ns, pname, X.escape(cal.displayname)))
            elif (ns, pname) in ((X.CS, "getctag"), (X.DAV, "sync-token")):
                found.append((ns, pname, TOKEN_PREFIX + str(cal.token)))
            elif (ns, pname) == (X.CAL, "supported-calendar-component-set"):
                found.append((ns, pname, "".join('<cal:comp name="%s"/>' % c
                                                 for c in cal.components)))
            elif (ns, pname) == (X.APPLE, "calendar-color"):
                found.append((ns, pname, X.escape(cal.color)))
            elif (ns, pname) == (X.OC, "invite"):
                found.append((ns, pname, cal_sharing.invite_xml(self.state, cal)))
            else:
                missing.append((ns, pname))
        return found, missing

    def propfind_home(self, req, owner):
        props = X.requested_props(req.body, CAL_PROPS)
        depth = (req.header("Depth") or "1").strip()
        home = "/remote.php/dav/calendars/%s/" % owner
        out = [self._collection(home, "<d:collection/>", props)]
        if depth != "0":
            for name, cal in self.state.calendars[owner].items():
                found, missing = self.cal_props(cal, props)
                out.append(X.propstat_response(home + X.href(name, True), found, missing))
            for name, cal in cal_sharing.shared_with(self.state, owner):
                found, missing = self.cal_props(cal, props)
                out.append(X.propstat_response(home + X.href(name, True), found, missing))
            for name, rtype in SPECIAL.items():
                out.append(self._collection(home + name + "/", rtype, props))
        return ok207("caldav", out, [CAL_DAV_HEADER])

    @staticmethod
    def _collection(href, rtype, props):
        found = [(ns, n, rtype) for ns, n in props if (ns, n) == (X.DAV, "resourcetype")]
        missing = [(ns, n) for ns, n in props if (ns, n) != (X.DAV, "resourcetype")]
        return X.propstat_response(href, found, missing)

    def propfind_calendar(self, req, owner, name, cal):
        props = X.requested_props(req.body, CAL_PROPS)
        base = "/remote.php/dav/calendars/%s/%s/" % (owner, X.href(name, False))
        found, missing = self.cal_props(cal, props)
        out = [X.propstat_response(base, found, missing)]
        if (req.header("Depth") or "1").strip() != "0":
            for oname, obj in sorted(cal.objects.items()):
                out.append(self._object_props(base + X.href(oname, False), obj, props))
        return ok207("caldav", out, [CAL_DAV_HEADER])

    @staticmethod
    def _object_props(href, obj, props, with_data=False):
        found, missing = [], []
        for ns, pname in props:
            if (ns, pname) == (X.DAV, "getetag"):
                found.append((ns, pname, X.quoted_etag(obj.etag)))
            elif (ns, pname) == (X.DAV, "getcontenttype"):
                found.append((ns, pname, "text/calendar; charset=utf-8; component=vevent"))
            elif (ns, pname) == (X.DAV, "resourcetype"):
                found.append((ns, pname, ""))
            elif (ns, pname) == (X.CAL, "calendar-data"):
                text = obj.data.decode("utf-8", "replace").replace("\r\n", "\n")
                found.append((ns, pname, X.escape(text)))
            else:
                missing.append((ns, pname))
        return X.propstat_response(href, found, missing)

    # --- objects ------------------------------------------------------------------
    def object(self, req, owner, cname, cal, oname):
        m = req.method
        obj = cal.objects.get(oname)
        if_match = req.header("If-Match")
        if_none = req.header("If-None-Match")
        if m in ("GET", "HEAD"):
            if obj is None:
                return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                     "Calendar object not found")
            return Response(200, obj.data, [
                ("Last-Modified", X.http_date(obj.mtime)), ("ETag", '"%s"' % obj.etag),
                ("OC-ETag", '"%s"' % obj.etag),
                ("Content-Disposition", "attachment; filename*=UTF-8''%s; filename=\"%s\""
                 % (oname, oname))], "text/calendar; charset=utf-8; component=vevent")
        if m == "PUT":
            if if_none is not None and if_none.strip() == "*" and obj is not None:
                return X.sabre_error(412, "Sabre\\DAV\\Exception\\PreconditionFailed",
                                     "An If-None-Match header was specified, but the ETag "
                                     "matched (or * was specified).", header="If-None-Match")
            if if_match is not None and not self._matches(if_match, obj):
                extra = [("ETag", '"%s"' % obj.etag)] if obj is not None else []
                return X.sabre_error(412, "Sabre\\DAV\\Exception\\PreconditionFailed",
                                     "An If-Match header was specified, but none of the "
                                     "specified ETags matched.", header="If-Match",
                                     extra_headers=extra)
            if not ical.valid_calendar(req.body):
                return X.sabre_error(415, "Sabre\\DAV\\Exception\\UnsupportedMediaType",
                                     "This resource only supports valid iCalendar 2.0 data. "
                                     "Parse error: invalid calendar data")
            event = ical.first_event(req.body)
            uid = event.get("UID", ({}, ""))[1] if event else ""
            if not uid:
                return X.sabre_error(400, "Sabre\\DAV\\Exception\\BadRequest",
                                     "Every object must have a UID")
            for other_name, other in cal.objects.items():
                if other.uid == uid and other_name != oname:
                    return X.sabre_error(400, "Sabre\\DAV\\Exception\\BadRequest",
                                         "Calendar object with uid already exists in this "
                                         "calendar collection.")
            new = CalendarObject(req.body, uid)
            cal.objects[oname] = new
            cal.record(oname)
            headers = [("ETag", '"%s"' % new.etag), ("OC-ETag", '"%s"' % new.etag)]
            return X.no_content(headers) if obj is not None else X.created(headers)
        if m == "DELETE":
            if obj is None:
                return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                     "Calendar object not found")
            if if_match is not None and not self._matches(if_match, obj):
                return X.sabre_error(412, "Sabre\\DAV\\Exception\\PreconditionFailed",
                                     "An If-Match header was specified, but none of the "
                                     "specified ETags matched.", header="If-Match")
            del cal.objects[oname]
            cal.record(oname)
            return X.no_content()
        return X.sabre_error(405, "Sabre\\DAV\\Exception\\MethodNotAllowed",
                             "Method not allowed")

    @staticmethod
    def _matches(header, obj):
        if obj is None:
            return False
        tags = [t.strip() for t in header.split(",")]
        return "*" in tags or ('"%s"' % obj.etag) in tags

    # --- REPORT -------------------------------------------------------------------
    def report(self, req, owner, cname, cal):
        try:
            root = ET.fromstring(req.body)
        except ET.ParseError:
            return X.sabre_error(400, "Sabre\\Xml\\ParseException", "invalid XML body")
        base = "/remote.php/dav/calendars/%s/%s/" % (owner, X.href(cname, False))
        props = X.requested_props(req.body, [(X.DAV, "getetag")])
        if root.tag == "{DAV:}sync-collection":
            return self.sync_collection(root, base, cal, props)
        if root.tag == "{%s}calendar-multiget" % X.CAL:
            out = []
            for h in root.findall("{DAV:}href"):
                oname = unquote((h.text or "").rstrip("/").rsplit("/", 1)[-1])
                obj = cal.objects.get(oname)
                if obj is not None:  # 73: a missing href is simply left out
                    out.append(self._object_props(base + X.href(oname, False), obj, props))
            return ok207("caldav", out)
        if root.tag == "{%s}calendar-query" % X.CAL:
            tr = root.find(".//{%s}time-range" % X.CAL)
            start = ical.parse_utc(tr.get("start")) if tr is not None and tr.get("start") else None
            end = ical.parse_utc(tr.get("end")) if tr is not None and tr.get("end") else None
            matches = [self._text_match(pf) for pf in
                       root.iterfind(".//{%s}prop-filter" % X.CAL)]
            out = []
            for oname, obj in sorted(cal.objects.items()):
                event = ical.first_event(obj.data)
                if not all(match(event) for match in matches):
                    continue
                sp = ical.span(event)
                if (start or end) and sp is None:
                    continue
                if sp and start and sp[1] <= start and sp[1] != sp[0]:
                    continue
                if sp and end and sp[0] >= end:
                    continue
                out.append(self._object_props(base + X.href(oname, False), obj, props))
            return ok207("caldav", out)
        return X.sabre_error(415, "Sabre\\DAV\\Exception\\ReportNotSupported",
                             "The {%s}%s REPORT is not supported" % tuple(
                                 root.tag[1:].split("}")))

    @staticmethod
    def _text_match(prop_filter):
        """A VEVENT prop-filter with a text-match, as Sabre's CalendarQueryValidator reads it
        (RFC 4791 §9.7.2, §9.7.5): a substring match, case-insensitive unless the collation is
        i;octet; negate-condition="yes" inverts it; no text-match = the property is there."""
        name = (prop_filter.get("name") or "").upper()
        tm = prop_filter.find("{%s}text-match" % X.CAL)

        def match(event):
            if not event or name not in event:
                return False
            if tm is None:
                return True
            value, needle = event[name][1], tm.text or ""
            if tm.get("collation", "i;ascii-casemap") != "i;octet":
                value, needle = value.lower(), needle.lower()
            return (needle in value) != (tm.get("negate-condition") == "yes")
        return match

    def sync_collection(self, root, base, cal, props):
        token_el = root.find("{DAV:}sync-token")
        token = (token_el.text or "").strip() if token_el is not None else ""
        current = TOKEN_PREFIX + str(cal.token)
        out = []
        limit = self.state.sync_page_limit
        if limit and not token:
            return self._sync_page(base, cal, props, 0, limit, initial=True)
        if not token:
            for oname, obj in sorted(cal.objects.items()):
                out.append(self._pretty(base + X.href(oname, False), obj, props))
            return ok207("caldav", out, pretty=True, token=current)
        match = re.match(r"^%s(\d+)$" % re.escape(TOKEN_PREFIX), token)
        if not match:
            return X.sabre_error(403, "Sabre\\DAV\\Exception\\InvalidSyncToken",
                                 "Invalid or unknown sync token",
                                 inner="<d:valid-sync-token/>")
        since = int(match.group(1))
        if limit:
            return self._sync_page(base, cal, props, since, limit, initial=False)
        changed = []
        for after, oname in cal.changes:
            if after > since and oname not in changed:
                changed.append(oname)
        for oname in changed:
            obj = cal.objects.get(oname)
            href = base + X.href(oname, False)
            if obj is None:  # 70: status before href, plus a teapot propstat
                out.append(self._gone(href))
            else:
                out.append(self._pretty(href, obj, props))
        return ok207("caldav", out, pretty=True, token=current)

    @staticmethod
    def _gone(href):
        return (" <d:response>\n  <d:status>HTTP/1.1 404 Not Found</d:status>\n"
                "  <d:href>%s</d:href>\n  <d:propstat>\n   <d:prop/>\n"
                "   <d:status>HTTP/1.1 418 I'm a teapot</d:status>\n"
                "  </d:propstat>\n </d:response>" % href)

    def _sync_page(self, base, cal, props, since, limit, initial):
        """Seed "caldav": {"sync_page_limit": N}: at most N members per answer. A cut answer
        ends, as RFC 6578 §3.6 says, with the request-URI at 507 Insufficient Storage and a
        token for the last change it includes, from which the client continues."""
        names, last, truncated = [], since, False
        for after, oname in cal.changes:
            if after <= since:
                continue
            if initial and oname not in cal.objects:
                last = after  # an initial listing shows only what exists
                continue
            if oname not in names:
                if len(names) >= limit:
                    truncated = True
                    break
                names.append(oname)
            last = after
        if not truncated:
            last = cal.token
        out = []
        for oname in names:
            obj = cal.objects.get(oname)
            href = base + X.href(oname, False)
            out.append(self._gone(href) if obj is None else self._pretty(href, obj, props))
        if truncated:
            out.append(" <d:response>\n  <d:href>%s</d:href>\n"
                       "  <d:status>HTTP/1.1 507 Insufficient Storage</d:status>\n"
                       "  <d:error><d:number-of-matches-within-limits/></d:error>\n"
                       " </d:response>" % base)
        return ok207("caldav", out, pretty=True, token=TOKEN_PREFIX + str(last))

    @staticmethod
    def _pretty(href, obj, props):
        lines = [" <d:response>", "  <d:href>%s</d:href>" % href, "  <d:propstat>",
                 "   <d:prop>"]
        missing = []
        for ns, pname in props:
            if (ns, pname) == (X.DAV, "getetag"):
                lines.append("    <d:getetag>%s</d:getetag>" % X.quoted_etag(obj.etag))
            elif (ns, pname) == (X.CAL, "calendar-data"):
                lines.append("    <cal:calendar-data>%s</cal:calendar-data>" % X.escape(
                    obj.data.decode("utf-8", "replace").replace("\r\n", "\n")))
            else:
                missing.append((ns, pname))
        lines += ["   </d:prop>", "   <d:status>HTTP/1.1 200 OK</d:status>", "  </d:propstat>"]
        if missing:
            lines += ["  <d:propstat>", "   <d:prop>"]
            lines += ["    " + X.element(ns, n, "") for ns, n in missing]
            lines += ["   </d:prop>", "   <d:status>HTTP/1.1 404 Not Found</d:status>",
                      "  </d:propstat>"]
        lines.append(" </d:response>")
        return "\n".join(lines)
