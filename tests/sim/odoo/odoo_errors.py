"""Odoo's exceptions as the simulator raises them, and how each transport renders them.

XML-RPC (/xmlrpc/2/, odoo/addons/base/controllers/rpc.py): every answer is HTTP 200; a
fault carries faultCode 1 (any other exception, faultString = the full traceback), 2
(UserError and subclasses, message only), 3 (AccessDenied, "Access Denied") or 4
(AccessError, message only).

JSON-2 (Odoo 19, addons/rpc/controllers/json2.py): a non-2xx status with the JSON object
{"name", "message", "arguments", "context", "debug"}; werkzeug exceptions put
[description, code] in "arguments".
"""


class OdooError(Exception):
    """Base of everything the simulated ORM raises on purpose."""

    name = "builtins.Exception"  # JSON-2 "name": module.ClassName
    fault_code = 1               # XML-RPC faultCode
    http_status = 500            # JSON-2 status

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    @property
    def arguments(self):
        return [self.message]

    @property
    def last_line(self):
        """The traceback's last line, `ExceptionType: message`, as Python prints it."""
        return "%s: %s" % (self.name.split(".")[-1] if self.name.startswith("builtins.")
                           else self.name, self.message)


class UserError(OdooError):
    name = "odoo.exceptions.UserError"
    fault_code = 2
    http_status = 422


class ValidationError(UserError):
    name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    name = "odoo.exceptions.MissingError"
    http_status = 404


class AccessError(OdooError):
    name = "odoo.exceptions.AccessError"
    fault_code = 4
    http_status = 403


class AccessDenied(OdooError):
    name = "odoo.exceptions.AccessDenied"
    fault_code = 3
    http_status = 403

    def __init__(self, message="Access Denied"):
        super().__init__(message)


class PyValueError(OdooError):
    name = "builtins.ValueError"


class PyTypeError(OdooError):
    name = "builtins.TypeError"


class PyAttributeError(OdooError):
    name = "builtins.AttributeError"


class PyKeyError(OdooError):
    name = "builtins.KeyError"


class OperationalError(OdooError):
    name = "psycopg2.OperationalError"


class ExpatError(OdooError):
    name = "xml.parsers.expat.ExpatError"


class WerkzeugError(OdooError):
    """werkzeug.exceptions.* raised by the JSON-2 controller."""

    code = 500
    title = "Internal Server Error"

    @property
    def http_status(self):
        return self.code

    @property
    def arguments(self):
        return [self.message, self.code]

    @property
    def last_line(self):
        return "%s: %d %s: %s" % (self.name, self.code, self.title, self.message)


class NotFound(WerkzeugError):
    name = "werkzeug.exceptions.NotFound"
    code = 404
    title = "Not Found"


class Unauthorized(WerkzeugError):
    name = "werkzeug.exceptions.Unauthorized"
    code = 401
    title = "Unauthorized"


class UnprocessableEntity(WerkzeugError):
    name = "werkzeug.exceptions.UnprocessableEntity"
    code = 422
    title = "Unprocessable Entity"


class BadRequest(WerkzeugError):
    name = "werkzeug.exceptions.BadRequest"
    code = 400
    title = "Bad Request"


def traceback_text(err, where):
    """A traceback shaped like Odoo's: first line fixed, last line `Type: message`.

    The frames are plausible, not real: clients must only rely on the first and last
    lines (and the captured tracebacks differ between any two installations anyway).
    """
    frames = [
        ('/srv/odoo/odoo/addons/base/controllers/rpc.py', 147, 'xmlrpc_2'),
        ('/srv/odoo/odoo/http.py', 369, 'dispatch_rpc'),
        ('/srv/odoo/odoo/service/model.py', 133, 'retrying'),
        ('/srv/odoo/odoo/api.py', 461, where or 'call_kw'),
    ]
    lines = ["Traceback (most recent call last):"]
    for path, line, func in frames:
        lines.append('  File "%s", line %d, in %s' % (path, line, func))
        lines.append("    result = func()")
    lines.append(err.last_line)
    return "\n".join(lines) + "\n"
