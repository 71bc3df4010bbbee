"""The simulated database and ORM: storage, search, read, create, write, unlink.

Records are dicts of stored values (False for empty, ids for many2one); many2many
relations live in relation tables (lists of pairs in insertion order, as PostgreSQL
returns them). write_date/create_date are kept with microseconds and shown truncated to
the second, exactly like Odoo: records written in the same second keep their real order
(by transaction time, then id), which is *not* id order, and a domain `write_date > S`
matches the records of second S written after S.000000.
"""
import calendar
import random
import time

import odoo_domain
from odoo_errors import AccessError, MissingError, PyValueError, UserError, ValidationError
from odoo_models import missing_group, models_for
from odoo_write import WriteMixin

DT_FORMAT = "%Y-%m-%d %H:%M:%S"


def fmt_ts(ts):
    return time.strftime(DT_FORMAT, time.gmtime(int(ts))) if ts else False


class Database:
    def __init__(self, name, version, languages):
        self.name = name
        self.version = version
        self.languages = languages
        self.models = models_for(version, languages)
        self.records = {m: {} for m in self.models}
        self.next_id = {m: 1 for m in self.models}
        self.rel = {}            # (model, field) -> {id: [other ids, in link order]}
        self.frozen = None       # epoch second when the clock is frozen
        self.offset = 0.0        # added to the real clock (seed "clock_start")
        self.last_ts = 0.0
        self.rng = random.Random(16)
        self.user_info = {}      # uid -> {"api_keys": [...], "admin": bool, "write_models": [...]}

    def snapshot(self):
        """Enough to roll a failed call back, as the real server's transaction would."""
        return ({m: {i: dict(r) for i, r in recs.items()} for m, recs in self.records.items()},
                dict(self.next_id), {k: {i: list(ids) for i, ids in v.items()}
                                     for k, v in self.rel.items()},
                {k: dict(v) for k, v in self.user_info.items()})

    def restore(self, snap):
        self.records, self.next_id, self.rel, self.user_info = snap

    def set_languages(self, languages):
        self.languages = languages
        self.models = models_for(self.version, languages)

    # --- schema -----------------------------------------------------------------
    def field(self, model, name):
        return self.models[model]["fields"].get(name) if model in self.models else None

    # --- clock ------------------------------------------------------------------
    def parse_ts(self, text):
        text = text.strip()
        fmt = DT_FORMAT if len(text) > 10 else "%Y-%m-%d"
        return float(calendar.timegm(time.strptime(text, fmt)))

    def transaction_time(self):
        """One timestamp per call, as PostgreSQL's now() is per transaction; strictly
        increasing so that the order of writes stays observable."""
        base = float(self.frozen) if self.frozen is not None else time.time() + self.offset
        ts = max(base, self.last_ts + 1e-6)
        if self.frozen is not None and ts >= self.frozen + 1:
            ts = self.last_ts + 1e-6  # a frozen second never ends
        self.last_ts = ts
        return ts

    # --- raw storage ------------------------------------------------------------
    def insert(self, model, vals, uid, ts, rid=None):
        rid = rid or self.next_id[model]
        self.next_id[model] = max(self.next_id[model], rid + 1)
        rec = {"__create_ts": ts, "__write_ts": ts, "__create_uid": uid, "__write_uid": uid}
        for name, f in self.models[model]["fields"].items():
            if f["stored"] and f["def"]["type"] not in ("many2many", "one2many"):
                rec[name] = f["default"] if f["default"] is not None else (
                    0 if f["def"]["type"] == "integer" else
                    0.0 if f["def"]["type"] == "float" else False)
        self.records[model][rid] = rec
        return rid

    def m2m_ids(self, model, field, rid):
        return list(self.rel.get((model, field), {}).get(rid, []))

    def m2m_set(self, model, field, rid, ids):
        self.rel.setdefault((model, field), {})[rid] = list(ids)

    def m2m_add(self, model, field, rid, other):
        ids = self.rel.setdefault((model, field), {}).setdefault(rid, [])
        if other not in ids:
            ids.append(other)

    def m2m_remove(self, model, field, rid, other):
        ids = self.rel.get((model, field), {}).get(rid)
        if ids and other in ids:
            ids.remove(other)

    def m2m_inverse(self, model, field, other):
        return [a for a, ids in self.rel.get((model, field), {}).items() if other in ids]


class Env(WriteMixin):
    """One call: a user, a context and a transaction time."""

    def __init__(self, db, uid, context=None, user=None):
        self.db = db
        self.uid = uid
        self.user = user or {}
        self.context = dict(context or {})
        self.now = db.transaction_time()

    # --- access -----------------------------------------------------------------
    def check_model(self, model):
        if model not in self.db.models:
            raise UserError("Object %s doesn't exist" % model)

    def check_access(self, model, operation):
        if self.user.get("admin") or model in self.user.get("write_models", []):
            return
        if operation == "read":
            return
        verb = {"create": "create", "write": "modify", "unlink": "delete"}[operation]
        raise AccessError(
            "You are not allowed to %s '%s' (%s) records.\n\nThis operation is allowed "
            "for the following groups:\n\t- %s\n\nContact your administrator to request "
            "access if necessary." % (verb, self.db.models[model]["description"], model,
                                      missing_group(self.db.version, model)))

    def exists(self, model, rid):
        return rid in self.db.records[model]

    def missing(self, model, ids):
        rec = "%s(%s)" % (model, ", ".join(str(i) for i in ids) + ("," if len(ids) == 1 else ""))
        return MissingError("Record does not exist or has been deleted.\n(Record: %s, User: %d)"
                            % (rec, self.uid))

    # --- values -----------------------------------------------------------------
    def raw_value(self, model, rid, name):
        """Stored or computed value, in storage form (ids, not [id, name])."""
        db = self.db
        rec = db.records[model][rid]
        if name == "id":
            return rid
        if name == "write_date":
            return rec["__write_ts"]
        if name == "create_date":
            return rec["__create_ts"]
        if name in ("create_uid", "write_uid"):
            return rec["__" + name]
        if name == "display_name" or name == "complete_name":
            return self.display_name(model, rid)
        fdef = db.field(model, name)
        ftype = fdef["def"]["type"]
        if fdef["stored"] and ftype == "many2many":
            return self.sort_ids(fdef["def"]["relation"], db.m2m_ids(model, name, rid))
        if fdef["stored"]:
            return rec.get(name, False)
        return self.computed(model, rid, name)

    def computed(self, model, rid, name):
        db, recs = self.db, self.db.records
        rec = recs[model][rid]
        if model == "res.partner":
            if name == "email_normalized":
                return rec["email"].strip().lower() if rec["email"] else False
            if name == "child_ids":
                return self.sort_ids(model, [i for i, r in recs[model].items()
                                             if r["parent_id"] == rid and r["active"]])
            if name == "user_ids":
                return [i for i, u in recs["res.users"].items() if u["partner_id"] == rid]
            if name == "commercial_partner_id":
                cur = rid
                while recs[model][cur]["parent_id"] and not recs[model][cur]["is_company"]:
                    cur = recs[model][cur]["parent_id"]
                return cur
            if name == "membership_state":
                return "none"
            return False
        if model == "res.partner.category":
            if name == "partner_ids":
                return self.sort_ids("res.partner", [
                    a for a in db.m2m_inverse("res.partner", "category_id", rid)
                    if self.visible("res.partner", a)])
            if name == "child_ids":
                return [i for i, r in recs[model].items() if r["parent_id"] == rid]
        if model == "event.event":
            regs = [r for r in recs["event.registration"].values()
                    if r["event_id"] == rid and r["active"]]
            count = {s: sum(1 for r in regs if r["state"] == s) for s in ("draft", "open", "done")}
            taken = count["open"] + count["done"]
            values = {
                "seats_reserved": count["open"], "seats_used": count["done"],
                "seats_unconfirmed": count["draft"], "seats_taken": taken,
                "seats_expected": count["draft"] + taken,
                "seats_available": rec["seats_max"] - taken if rec["seats_limited"] else 0,
                "event_registrations_open": True,
                "event_registrations_sold_out": bool(rec["seats_limited"] and rec["seats_max"]
                                                     and rec["seats_max"] <= taken),
                "registration_ids": [i for i, r in recs["event.registration"].items()
                                     if r["event_id"] == rid],
            }
            return values.get(name, False)
        if model == "event.registration" and name == "event_begin_date":
            ev = recs["event.event"].get(rec["event_id"])
            return ev["date_begin"] if ev else False
        if model == "calendar.event" and name == "attendee_ids":
            return [i for i, r in recs["calendar.attendee"].items() if r["event_id"] == rid]
        if model == "calendar.attendee":
            partner = recs["res.partner"].get(rec["partner_id"], {})
            return partner.get("email" if name == "email" else "name", False)
        if model == "res.users" and name in ("name", "email"):
            return recs["res.partner"][rec["partner_id"]][name]
        return False

    def display_name(self, model, rid):
        recs = self.db.records
        rec = recs[model].get(rid)
        if rec is None:
            return False
        if model == "res.partner":
            name = rec["name"] or ""
            parent = rec["parent_id"]
            if parent and not rec["is_company"] and parent in recs[model]:
                return "%s, %s" % (self.display_name(model, parent), name)
            return name or False
        if model == "res.partner.category" and rec.get("parent_id") in recs[model]:
            return "%s / %s" % (self.display_name(model, rec["parent_id"]), rec["name"])
        if model == "res.users":
            return recs["res.partner"][rec["partner_id"]]["name"]
        if model == "calendar.attendee":
            return self.computed(model, rid, "common_name")
        return rec.get("name", "%s,%d" % (model, rid))

    def read_value(self, model, rid, name):
        """The value as the RPC layers return it: [id, name] for many2one, strings for
        datetimes, False for empty."""
        fdef = self.db.field(model, name)
        raw = self.raw_value(model, rid, name)
        ftype = fdef["def"]["type"]
        if name in ("write_date", "create_date"):
            return fmt_ts(raw)
        if ftype == "many2one":
            target = fdef["def"]["relation"]
            if not raw or raw not in self.db.records[target]:
                return False
            return [raw, self.display_name(target, raw)]
        if ftype in ("one2many", "many2many"):
            comodel = fdef["def"]["relation"]
            return [i for i in raw if self.visible(comodel, i)]
        if ftype == "float":
            return float(raw or 0.0)
        if ftype == "integer":
            return int(raw or 0)
        if ftype == "boolean":
            return bool(raw)
        return raw if raw not in (None, "") else False

    def visible(self, model, rid):
        rec = self.db.records[model].get(rid)
        if rec is None:
            return False
        if "active" in rec and self.context.get("active_test", True) is not False:
            return bool(rec["active"])
        return True

    # --- search -----------------------------------------------------------------
    def sort_ids(self, model, ids, order=None):
        order = order or self.db.models[model]["order"]
        ids = list(ids)
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            bits = part.split()
            fname, desc = bits[0], len(bits) > 1 and bits[1].lower() == "desc"
            if self.db.field(model, fname) is None:
                raise PyValueError("Invalid field %r on model %r" % (fname, model))

            def key(rid, fname=fname):
                v = self.raw_value(model, rid, fname)
                if self.db.field(model, fname)["def"]["type"] == "many2one":
                    v = self.display_name(self.db.field(model, fname)["def"]["relation"], v) \
                        if v else False
                if isinstance(v, list):
                    v = len(v)
                empty = v is False or v is None
                # NULLs sort last ascending, first descending (PostgreSQL default)
                return (1, "") if empty else (0, v)
            if desc:
                ids.sort(key=lambda r: (key(r)[0] == 0, key(r)[1]), reverse=True)
            else:
                ids.sort(key=key)
        return ids

    def search(self, model, domain, offset=0, limit=None, order=None):
        self.check_model(model)
        domain = list(domain or [])
        odoo_domain.validate(self, model, domain)
        has_active = "active" in self.db.models[model]["fields"]
        if has_active and self.context.get("active_test", True) is not False and not any(
                odoo_domain.is_leaf(t) and isinstance(t[0], str) and
                t[0].split(".")[0] == "active" for t in domain):
            domain = [["active", "=", True]] + domain  # the implicit '&' joins them
        domain = odoo_domain.prepare(domain)
        ids = [rid for rid in self.db.records[model]
               if odoo_domain.evaluate(self, model, domain, rid)]
        ids = self.sort_ids(model, ids, order)
        offset = int(offset or 0)
        ids = ids[offset:]
        if limit:
            ids = ids[:int(limit)]
        return ids

    def read(self, model, ids, fields=None):
        self.check_model(model)
        all_fields = self.db.models[model]["fields"]
        names = list(fields) if fields else [n for n in all_fields if n != "id"]
        for n in names:
            if n not in all_fields:
                fmt = ("Invalid field %r on model %r" if self.db.version < 17
                       else "Invalid field %r on %r")
                raise PyValueError(fmt % (n, model))
        out = []
        for rid in ids:
            if rid not in self.db.records[model]:
                continue  # read() of a deleted id silently drops it (captured)
            row = {"id": rid}
            for n in names:
                if n != "id":
                    row[n] = self.read_value(model, rid, n)
            out.append(row)
        return out
