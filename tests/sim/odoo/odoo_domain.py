"""Odoo search domains: validation and evaluation against the simulator's records.

A domain is a list in Polish (prefix) notation: leaves `[field, operator, value]`
joined by '&' (the implicit default), '|' and '!'. Fields may be dotted paths through
relational fields (`category_id.name`). Comparisons with an empty value (False) are
false, as NULL comparisons are in PostgreSQL.
"""
import re

from odoo_errors import PyValueError

OPERATORS = ("=", "!=", "<>", "in", "not in", ">", ">=", "<", "<=", "like", "ilike",
             "not like", "not ilike", "=like", "=ilike", "=?")
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)


def is_leaf(term):
    return isinstance(term, (list, tuple)) and len(term) == 3


def validate(env, model, domain):
    """Raises ValueError shaped like Odoo's on an unknown field or operator."""
    if not isinstance(domain, (list, tuple)):
        raise PyValueError("Invalid domain %r" % (domain,))
    word = "leaf" if env.db.version < 17 else "condition"
    for term in domain:
        if term in ("&", "|", "!"):
            continue
        if not is_leaf(term):
            raise PyValueError("Invalid leaf %r" % (term,))
        if tuple(term) in (TRUE_LEAF, FALSE_LEAF):
            continue
        path, op, _ = term
        if not isinstance(path, str) or op not in OPERATORS:
            raise PyValueError("Invalid leaf %s" % (str(tuple(term)),))
        current = model
        for part in path.split("."):
            fdef = env.db.field(current, part)
            if fdef is None:
                raise PyValueError("Invalid field %s.%s in %s %s" % (
                    current, part, word, str(tuple(term))))
            current = fdef["def"].get("relation", current)


def prepare(domain):
    """Large `in` lists become sets once, not once per record (10,000-record benchmarks)."""
    out = []
    for term in domain:
        if is_leaf(term) and term[1] in ("in", "not in") and isinstance(term[2], (list, tuple)) \
                and len(term[2]) > 8 and all(isinstance(x, (int, str)) and not isinstance(x, bool)
                                             for x in term[2]):
            term = [term[0], term[1], frozenset(term[2])]
        out.append(term)
    return out


def evaluate(env, model, domain, rid):
    stack = []
    for term in reversed(list(domain)):
        if term in ("&", "|"):
            if len(stack) < 2:
                raise PyValueError("Invalid domain: '%s' needs two operands" % term)
            a, b = stack.pop(), stack.pop()
            stack.append((a and b) if term == "&" else (a or b))
        elif term == "!":
            if not stack:
                raise PyValueError("Invalid domain: '!' needs an operand")
            stack.append(not stack.pop())
        else:
            stack.append(_leaf(env, model, term, rid))
    return all(stack)


def _like(pattern, text, insensitive, wrap):
    if wrap:
        pattern = "%" + pattern + "%"
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.S | (re.I if insensitive else 0)) is not None


def _empty(v):
    return v is False or v is None or v == "" or v == []


def _compare_scalar(op, v, value):
    if op in ("=", "=?"):
        if op == "=?" and (value is False or value is None):
            return True
        if value is False or value is None:
            return _empty(v)
        return v == value
    if op in ("!=", "<>"):
        return not _compare_scalar("=", v, value)
    if op == "in":
        vals = value if isinstance(value, (list, tuple, frozenset)) else [value]
        return v in vals or (_empty(v) and False in vals)
    if op == "not in":
        return not _compare_scalar("in", v, value)
    if op in (">", ">=", "<", "<="):
        if _empty(v) or value is False or value is None:
            return False
        try:
            return {">": v > value, ">=": v >= value, "<": v < value, "<=": v <= value}[op]
        except TypeError:
            return False
    if op in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
        negate = op.startswith("not ")
        base = op[4:] if negate else op
        if _empty(v):
            return negate
        hit = _like(str(value), str(v), base.endswith("ilike"), not base.startswith("="))
        return hit != negate
    raise PyValueError("Invalid operator %r" % (op,))


def _leaf(env, model, term, rid):
    if tuple(term) == TRUE_LEAF:
        return True
    if tuple(term) == FALSE_LEAF:
        return False
    path, op, value = term
    head, _, rest = path.partition(".")
    fdef = env.db.field(model, head)["def"]
    ftype = fdef["type"]
    raw = env.raw_value(model, rid, head)
    if rest:
        comodel = fdef["relation"]
        ids = raw if isinstance(raw, list) else ([raw] if raw else [])
        hits = [i for i in ids if _leaf(env, comodel, [rest, op, value], i)]
        return bool(hits) if not op.startswith("not") and op not in ("!=", "<>") \
            else len(hits) == len(ids)
    if ftype in ("many2many", "one2many"):
        ids = raw or []
        if isinstance(value, str) and op.endswith("like"):
            names = [env.display_name(fdef["relation"], i) for i in ids]
            hit = any(_compare_scalar(op.replace("not ", ""), n, value) for n in names)
            return not hit if op.startswith("not") else hit
        if op in ("=", "in") and (value is False or value == []):
            return not ids
        if op in ("!=", "<>", "not in") and (value is False or value == []):
            return bool(ids)
        wanted = set(value) if isinstance(value, (list, tuple, frozenset)) else {value}
        if op in ("=", "in"):
            return bool(wanted & set(ids))
        if op in ("!=", "<>", "not in"):
            return not wanted & set(ids)
        raise PyValueError("Invalid operator %r on %s.%s" % (op, model, head))
    if ftype == "many2one" and isinstance(value, str) and op not in ("in", "not in"):
        name = env.display_name(fdef["relation"], raw) if raw else False
        if op in ("=", "!=", "<>"):
            return _compare_scalar(op, name, value)
        return _compare_scalar(op, name, value)
    if head in ("write_date", "create_date") and isinstance(value, str) and \
            op in (">", ">=", "<", "<=", "=", "!=", "<>"):
        # Stored with microseconds, shown to the second: compare at full precision,
        # like PostgreSQL does with the real timestamps.
        return _compare_scalar(op, raw, env.db.parse_ts(value))
    if ftype == "boolean" and op in ("=", "!=", "<>"):
        return (bool(raw) == bool(value)) == (op == "=")
    return _compare_scalar(op, raw, value)
