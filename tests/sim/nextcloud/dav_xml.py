"""Sabre/DAV XML as Nextcloud writes it: `d:` prefixes, one-line multistatus for PROPFIND,
pretty-printed for sync-collection, Sabre error documents (fixtures 42-87)."""
import email.utils
import xml.etree.ElementTree as ET
from urllib.parse import quote
from xml.sax.saxutils import escape

from simbase import Response

DAV = "DAV:"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"
CAL = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
NCOM = "http://nextcloud.com/ns"
SABRE = "http://sabredav.org/ns"
CARD = "urn:ietf:params:xml:ns:carddav"

PREFIX = {DAV: "d", SABRE: "s", OC: "oc", NC: "nc", CAL: "cal", CS: "cs", CARD: "card"}
INLINE = {APPLE: "x1", NCOM: "x2"}  # Sabre declares these on the element itself
XML_TYPE = "application/xml; charset=utf-8"

ROOT_NS = {
    "files": [("d", DAV), ("s", SABRE), ("oc", OC), ("nc", NC)],
    "caldav": [("d", DAV), ("s", SABRE), ("cal", CAL), ("cs", CS), ("oc", OC), ("nc", NC)],
    "principals": [("d", DAV), ("s", SABRE), ("cal", CAL), ("cs", CS), ("card", CARD),
                   ("oc", OC), ("nc", NC)],
}


def tag(ns, name):
    """Opening-tag text for (ns, name) and the matching closing name."""
    if ns in PREFIX:
        q = "%s:%s" % (PREFIX[ns], name)
        return q, q
    prefix = INLINE.get(ns, "x9")
    q = "%s:%s" % (prefix, name)
    return '%s xmlns:%s="%s"' % (q, prefix, escape(ns, {'"': "&quot;"})), q


def element(ns, name, inner):
    open_, close = tag(ns, name)
    if inner == "":
        return "<%s/>" % open_
    return "<%s>%s</%s>" % (open_, inner, close)


def href(path, is_dir):
    text = quote(path, safe="/@:-._~!$&'()*+,;=")
    if is_dir and not text.endswith("/"):
        text += "/"
    return text


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


def quoted_etag(etag):
    return "&quot;%s&quot;" % etag


def multistatus(area, responses, pretty=False, sync_token=None):
    decl = " ".join('xmlns:%s="%s"' % (p, ns) for p, ns in ROOT_NS[area])
    if not pretty:
        return '<?xml version="1.0"?>\n<d:multistatus %s>%s</d:multistatus>\n' % (
            decl, "".join(responses))
    out = ['<?xml version="1.0"?>', "<d:multistatus %s>" % decl]
    out.extend(responses)
    if sync_token is not None:
        out.append(" <d:sync-token>%s</d:sync-token>" % sync_token)
    out.append("</d:multistatus>")
    return "\n".join(out) + "\n"


def propstat_response(path_href, found, missing):
    """found: [(ns, name, inner)], missing: [(ns, name)] -> one <d:response>."""
    parts = ["<d:response><d:href>%s</d:href>" % path_href]
    if found:
        parts.append("<d:propstat><d:prop>%s</d:prop><d:status>HTTP/1.1 200 OK</d:status>"
                     "</d:propstat>" % "".join(element(ns, n, v) for ns, n, v in found))
    if missing:
        parts.append("<d:propstat><d:prop>%s</d:prop><d:status>HTTP/1.1 404 Not Found"
                     "</d:status></d:propstat>" % "".join(element(ns, n, "")
                                                         for ns, n in missing))
    parts.append("</d:response>")
    return "".join(parts)


def requested_props(body, default):
    """The (ns, name) list of a PROPFIND/REPORT <d:prop>, or `default` for allprop/empty."""
    if not body.strip():
        return list(default)
    root = ET.fromstring(body)
    prop = root.find("{DAV:}prop")
    if prop is None:
        return list(default)
    out = []
    for child in prop:
        ns, _, name = child.tag[1:].partition("}")
        out.append((ns, name))
    return out


def sabre_error(status, exception, message, header=None, extra_headers=None, inner=""):
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">']
    if inner:
        lines.append("  " + inner)
    lines.append("  <s:exception>%s</s:exception>" % exception)
    lines.append("  <s:message>%s</s:message>" % escape(message))
    if header:
        lines.append("  <s:header>%s</s:header>" % header)
    lines.append("</d:error>")
    return Response(status, "\n".join(lines) + "\n", list(extra_headers or []), XML_TYPE)


def not_authenticated(with_credentials):
    if with_credentials:
        msg = ("No public access to this resource., Username or password was incorrect, No "
               "'Authorization: Bearer' header found. Either the client didn't send one, or "
               "the server is mis-configured, Username or password was incorrect")
    else:
        msg = ("No public access to this resource., No 'Authorization: Basic' header found. "
               "Either the client didn't send one, or the server is misconfigured, No "
               "'Authorization: Bearer' header found. Either the client didn't send one, or "
               "the server is mis-configured, No 'Authorization: Basic' header found. Either "
               "the client didn't send one, or the server is misconfigured")
    return sabre_error(401, "Sabre\\DAV\\Exception\\NotAuthenticated", msg,
                       extra_headers=[("WWW-Authenticate",
                                       'Basic realm="Nextcloud", charset="UTF-8"')])


def too_many_requests():
    body = ('<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" '
            'xmlns:s="http://sabredav.org/ns" xmlns:o="http://owncloud.org/ns">\n'
            '  <s:exception>OCA\\DAV\\Connector\\Sabre\\Exception\\TooManyRequests'
            '</s:exception>\n  <s:message/>\n  <o:hint xmlns:o="o:">too many requests'
            '</o:hint>\n</d:error>\n')
    return Response(429, body, content_type=XML_TYPE)


def created(extra=None):
    headers = list(extra or [])
    headers.append(("Content-type", "text/html; charset=UTF-8"))
    return Response(201, b"", headers)


def no_content(extra=None):
    headers = list(extra or [])
    headers.append(("Content-type", "text/html; charset=UTF-8"))
    return Response(204, b"", headers)


def already_exists():
    return sabre_error(405, "Sabre\\DAV\\Exception\\MethodNotAllowed",
                       "The resource you tried to create already exists",
                       extra_headers=[("Allow", "OPTIONS, GET, HEAD, DELETE, PROPFIND, PUT, "
                                                "PROPPATCH, COPY, MOVE, REPORT")])
