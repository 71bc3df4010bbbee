"""OCS envelopes exactly as Nextcloud 27 renders them (fixtures 02-41, 45-49, 75-84).

Handlers speak "v2 semantics": success is 200, errors carry the OCS status code. This
module turns that into the v1 or v2 wire form (Nextcloud's V1Response / V2Response):
  * v1: statuscode 200 -> 100; HTTP is 200 for everything except 997 (401).
  * v2: 997 -> HTTP 401, 998 -> 404, 996/999 -> 500, codes outside 200..600 -> 400,
        else the code itself is the HTTP status.
"""
import json
from xml.sax.saxutils import escape

from simbase import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


def http_status(version, code):
    if code == 997:
        return 401
    if version == 1:
        return 200
    if code == 998:
        return 404
    if code in (996, 999):
        return 500
    if code < 200 or code > 600:
        return 400
    return code


def php_json(obj):
    """json_encode: compact, "\\/" for slashes, \\uXXXX for non-ASCII."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def _xml_scalar(value):
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return escape(str(value))


def _xml_node(name, value, depth, out):
    pad = " " * depth
    if value is None or (isinstance(value, (list, dict)) and not value):
        out.append("%s<%s/>" % (pad, name))
    elif isinstance(value, dict):
        out.append("%s<%s>" % (pad, name))
        for k, v in value.items():
            _xml_node(str(k), v, depth + 1, out)
        out.append("%s</%s>" % (pad, name))
    elif isinstance(value, list):
        out.append("%s<%s>" % (pad, name))
        for v in value:
            _xml_node("element", v, depth + 1, out)
        out.append("%s</%s>" % (pad, name))
    else:
        out.append("%s<%s>%s</%s>" % (pad, name, _xml_scalar(value), name))


def ocs_xml(status, code, message, data):
    out = ['<?xml version="1.0"?>', "<ocs>", " <meta>",
           "  <status>%s</status>" % status,
           "  <statuscode>%d</statuscode>" % code,
           "  <message>%s</message>" % escape(message),
           "  <totalitems></totalitems>", "  <itemsperpage></itemsperpage>", " </meta>"]
    _xml_node("data", data, 1, out)
    out.append("</ocs>")
    return "\n".join(out) + "\n"


def render(version, fmt, code, message, data):
    """One OCS answer. `code` in v2 semantics (200 = success)."""
    wire_code = 100 if (version == 1 and code == 200) else code
    status = "ok" if code == 200 else "failure"
    if message is None:
        message = "OK" if code == 200 else ""
    http = http_status(version, code)
    if fmt == "json":
        body = php_json({"ocs": {"meta": {"status": status, "statuscode": wire_code,
                                          "message": message}, "data": data}})
        return Response(http, body, content_type=JSON_TYPE)
    return Response(http, ocs_xml(status, wire_code, message, data), content_type=XML_TYPE)


def unauthorised_xml():
    """Bad credentials / disabled user: always XML, whatever format was asked (81-83)."""
    body = ('<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>failure</status>\n'
            '  <statuscode>997</statuscode>\n  <message>Unauthorised</message>\n </meta>\n'
            ' <data/>\n</ocs>\n')
    return Response(401, body, [("WWW-Authenticate", 'Basic realm="Authorisation Required"'),
                                ("Content-type", "text/xml; charset=UTF-8")])


def csrf_failed():
    """No OCS-APIRequest header with Basic auth: 412 and *not* an OCS envelope (39)."""
    return Response(412, '{"message":"CSRF check failed"}', content_type=JSON_TYPE)


class OcsError(Exception):
    """Raised by a handler: an OCS failure with its (v2-semantics) status code."""

    def __init__(self, code, message=""):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
