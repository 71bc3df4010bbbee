"""The public ORM methods reachable over XML-RPC execute_kw and JSON-2, with their real
Python signatures: arguments are bound with inspect.Signature.bind, so a missing or
unexpected argument fails with the same TypeError text Odoo's own binding produces
("missing a required argument: 'vals'")."""
import inspect

from odoo_errors import (AccessError, NotFound, PyAttributeError, PyTypeError, PyValueError,
                         UnprocessableEntity, UserError)

XMLIDS = {
    ("base", "group_user"): ("res.groups", 1),
    ("base", "main_company"): ("res.company", 1),
    ("base", "main_partner"): ("res.partner", 1),
    ("base", "user_admin"): ("res.users", 2),
    ("event", "event_stage_new"): ("event.stage", 1),
}


def search_read(env, model, domain=None, fields=None, offset=0, limit=None, order=None,
                **read_kwargs):
    if read_kwargs:
        raise PyTypeError("BaseModel._read_format() got an unexpected keyword argument %r"
                          % next(iter(read_kwargs)))
    return env.read(model, env.search(model, domain, offset, limit, order), fields)


def search(env, model, domain, offset=0, limit=None, order=None):
    return env.search(model, domain, offset, limit, order)


def search_count(env, model, domain, limit=None):
    return len(env.search(model, domain, 0, limit, "id"))


def create(env, model, vals_list):
    ids = env.create(model, vals_list)
    return ids[0] if isinstance(vals_list, dict) else ids


def fields_get(env, model, allfields=None, attributes=None):
    env.check_model(model)
    out = {}
    for name, f in env.db.models[model]["fields"].items():
        if allfields and name not in allfields:
            continue
        d = f["def"]
        out[name] = {k: v for k, v in sorted(d.items()) if not attributes or k in attributes}
    return out


def read(env, model, ids, fields=None, load="_classic_read"):
    return env.read(model, ids, fields)


def write(env, model, ids, vals):
    return env.write(model, ids, vals)


def unlink(env, model, ids):
    return env.unlink(model, ids)


def action_archive(env, model, ids):
    env.set_active(model, ids, False)  # returns None: XML-RPC cannot marshal it (captured)


def action_unarchive(env, model, ids):
    env.set_active(model, ids, True)


def _set_state(env, ids, state):
    env.write("event.registration", ids, {"state": state})


def action_cancel(env, model, ids):
    _set_state(env, ids, "cancel")


def action_confirm(env, model, ids):
    _set_state(env, ids, "open")


def action_set_done(env, model, ids):
    _set_state(env, ids, "done")


def action_set_draft(env, model, ids):
    _set_state(env, ids, "draft")


def context_get(env, model):
    return {"lang": "en_US", "tz": False, "uid": env.uid}


def check_object_reference(env, model, module, xml_id, raise_on_access_error=False):
    try:
        return list(XMLIDS[(module, xml_id)])
    except KeyError:
        raise PyValueError("External ID not found in the system: %s.%s" % (module, xml_id))


# name -> (function, model-level?, models it exists on or None for all)
METHODS = {
    "search_read": (search_read, True, None),
    "search": (search, True, None),
    "search_count": (search_count, True, None),
    "create": (create, True, None),
    "fields_get": (fields_get, True, None),
    "read": (read, False, None),
    "write": (write, False, None),
    "unlink": (unlink, False, None),
    "action_archive": (action_archive, False, None),
    "action_unarchive": (action_unarchive, False, None),
    "action_cancel": (action_cancel, False, ("event.registration",)),
    "action_confirm": (action_confirm, False, ("event.registration",)),
    "action_set_done": (action_set_done, False, ("event.registration",)),
    "action_set_draft": (action_set_draft, False, ("event.registration",)),
    "context_get": (context_get, True, ("res.users",)),
    "check_object_reference": (check_object_reference, True, ("ir.model.data",)),
}
PSEUDO_MODELS = ("ir.model.data",)


def resolve(env, model, method, json2):
    """The method's entry, or the error the real server gives for it."""
    if model not in env.db.models and model not in PSEUDO_MODELS:
        if json2:
            raise NotFound("the model %r does not exist" % model)
        raise UserError("Object %s doesn't exist" % model)
    if method.startswith("_"):
        if env.db.version < 17:
            raise AccessError("Private methods (such as %s) cannot be called remotely." % method)
        raise AccessError("Private methods (such as %r) cannot be called remotely."
                          % ("%s.%s" % (model, method)))
    entry = METHODS.get(method)
    if entry is None or (entry[2] is not None and model not in entry[2]) or (
            model in PSEUDO_MODELS and entry[2] is None):
        if json2:
            raise NotFound("The method '%s.%s' does not exist" % (model, method))
        raise PyAttributeError("The method '%s' does not exist on the model '%s'"
                               % (method, model))
    return entry


def call_xmlrpc(env, model, method, args, kwargs):
    """execute_kw semantics: record methods take the ids as first positional argument."""
    func, model_level, _ = resolve(env, model, method, json2=False)
    args = list(args)
    if not model_level:
        if not args:
            raise PyTypeError("%s() missing 1 required positional argument: 'ids'" % method)
        ids = args.pop(0)
        args.insert(0, [ids] if isinstance(ids, int) else list(ids))
    try:
        bound = inspect.signature(func).bind(env, model, *args, **kwargs)
    except TypeError as exc:
        raise PyTypeError(str(exc))
    return func(*bound.args, **bound.kwargs)


def call_json2(env, model, method, params):
    """JSON-2 semantics: named arguments only, plus `ids` for record methods."""
    func, model_level, _ = resolve(env, model, method, json2=True)
    params = dict(params)
    ids = params.pop("ids", None)
    if model_level and ids:
        raise UnprocessableEntity("cannot call %s.%s with ids" % (model, method))
    try:
        if model_level:
            bound = inspect.signature(func).bind(env, model, **params)
        else:
            bound = inspect.signature(func).bind(env, model, list(ids or []), **params)
    except TypeError as exc:
        raise UnprocessableEntity(exc.args[0])
    result = func(*bound.args, **bound.kwargs)
    if method == "create" and isinstance(result, int):
        result = [result]  # JSON-2's create always answers a list (captured)
    return result
