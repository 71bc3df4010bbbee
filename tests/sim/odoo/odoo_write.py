"""create / write / unlink of the simulated ORM, with the model rules Odoo applies
(defaults, required fields, x2many commands, seat limits, calendar attendees)."""
import time
import urllib.parse

from odoo_errors import PyValueError, UserError, ValidationError

DT_FORMAT = "%Y-%m-%d %H:%M:%S"
# The template text Odoo puts in a new event (captured).
EVENT_DESCRIPTION = (
    '<section class="s_text_block">\n            <h5>Join us for this 24 hours Event</h5>\n'
    "            <p>Every year we invite our community, partners and end-users to come and "
    "meet us! It's the ideal event to get together and present new features, roadmap of "
    "future versions, achievements of the software, workshops, training sessions, etc...\n"
    "            This event is also an opportunity to showcase our partners' case studies, "
    "methodology or developments. Be there and see directly from the source the features "
    "of the new version!</p>\n        </section>")


class WriteMixin:
    # --- value conversion ---------------------------------------------------------
    def _invalid_field(self, model, name):
        fmt = "Invalid field %r on model %r" if self.db.version < 17 else "Invalid field %r in %r"
        return PyValueError(fmt % (name, model))

    def convert(self, model, name, value):
        fdef = self.db.field(model, name)
        if fdef is None:
            raise self._invalid_field(model, name)
        ftype = fdef["def"]["type"]
        if value is None:
            value = False
        if ftype in ("char", "html", "text", "binary"):
            return value if value is False else str(value)
        if ftype == "boolean":
            return bool(value)
        if ftype == "integer":
            return int(value or 0)
        if ftype == "float":
            return float(value or 0.0)
        if ftype == "many2one":
            if value is False:
                return False
            if isinstance(value, (list, tuple)) and value:
                value = value[0]
            if isinstance(value, bool) or not isinstance(value, int):
                raise PyValueError("Wrong value for %s.%s: %r" % (model, name, value))
            return value
        if ftype == "selection":
            if value is False:
                return False
            allowed = [k for k, _ in fdef["def"]["selection"]]
            if value not in allowed:
                raise PyValueError("Wrong value for %s.%s: %r" % (model, name, value))
            return value
        if ftype in ("datetime", "date"):
            if value is False:
                return False
            text = str(value)
            fmt = DT_FORMAT if ftype == "datetime" else "%Y-%m-%d"
            try:
                if ftype == "datetime" and len(text) == 10:
                    return time.strftime(DT_FORMAT, time.strptime(text, "%Y-%m-%d"))
                return time.strftime(fmt, time.strptime(text, fmt))
            except ValueError:
                raise PyValueError("time data %r does not match format %r" % (text, fmt))
        return value

    def apply_x2many(self, model, name, rid, commands):
        fdef = self.db.field(model, name)["def"]
        if fdef["type"] != "many2many" or not self.db.field(model, name)["stored"]:
            return  # one2many writes are not simulated; the real server would apply them
        if commands is False or commands is None:
            commands = [[5]]
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            commands = [[6, 0, list(commands)]]  # a bare id list means "set"
        for cmd in commands:
            if not isinstance(cmd, (list, tuple)) or not cmd:
                raise PyValueError("Invalid command %r for field %s.%s" % (cmd, model, name))
            code = cmd[0]
            if code == 6:
                self.db.m2m_set(model, name, rid, list(dict.fromkeys(cmd[2] or [])))
            elif code == 4:
                self.db.m2m_add(model, name, rid, cmd[1])
            elif code in (3, 2):
                self.db.m2m_remove(model, name, rid, cmd[1])
            elif code == 5:
                self.db.m2m_set(model, name, rid, [])
            elif code == 0:
                new = self.create(fdef["relation"], [cmd[2]])[0]
                self.db.m2m_add(model, name, rid, new)
            elif code == 1:
                self.write(fdef["relation"], [cmd[1]], cmd[2])
            else:
                raise PyValueError("Invalid command %r for field %s.%s" % (cmd, model, name))

    # --- create -------------------------------------------------------------------
    def create(self, model, vals_list):
        self.check_model(model)
        self.check_access(model, "create")
        single = isinstance(vals_list, dict)
        if single:
            vals_list = [vals_list]
        if not isinstance(vals_list, list) or not all(isinstance(v, dict) for v in vals_list):
            raise PyValueError("create() expects a dict or a list of dicts")
        ids = []
        for vals in vals_list:
            for name in vals:
                if self.db.field(model, name) is None:
                    raise self._invalid_field(model, name)
            vals = self.defaults(model, dict(vals))
            rid = self.db.insert(model, {}, self.uid, self.now)
            ids.append(rid)
            self._assign(model, rid, vals)
            self._check_required(model, rid)
            self.after_create(model, rid, vals)
        return ids

    def defaults(self, model, vals):
        v = self.db.version
        if model == "res.partner":
            vals.setdefault("lang", self.context.get("lang") or "en_US")
        elif model == "res.partner.category":
            vals.setdefault("color", self.db.rng.randint(1, 11))
        elif model == "event.event":
            vals.setdefault("stage_id", 1 if 1 in self.db.records["event.stage"] else False)
            vals.setdefault("organizer_id", 1)
            vals.setdefault("address_id", 1)
            vals.setdefault("user_id", self.uid)
            vals.setdefault("company_id", 1)
            vals.setdefault("date_tz", "UTC")
            vals.setdefault("description", EVENT_DESCRIPTION)
        elif model == "event.registration":
            partner = self.db.records["res.partner"].get(vals.get("partner_id"))
            if partner:
                for f in ("name", "email", "phone"):
                    vals.setdefault(f, partner[f])
            event = self.db.records["event.event"].get(vals.get("event_id"))
            if event is not None:
                auto = event.get("auto_confirm", True) if v < 17 else True
                vals.setdefault("state", "open" if auto else "draft")
                vals.setdefault("company_id", event["company_id"])
        elif model == "calendar.event":
            vals.setdefault("user_id", self.uid)
        elif model == "res.users":
            if not vals.get("partner_id"):
                vals["partner_id"] = self.create("res.partner", [{
                    "name": vals.pop("name", vals.get("login")),
                    "email": vals.pop("email", False)}])[0]
            else:
                vals.pop("name", None)
                vals.pop("email", None)
        return vals

    def _assign(self, model, rid, vals):
        rec = self.db.records[model][rid]
        for name, value in vals.items():
            f = self.db.field(model, name)
            if f["def"]["type"] in ("many2many", "one2many"):
                self.apply_x2many(model, name, rid, value)
            elif f["stored"]:
                rec[name] = self.convert(model, name, value)
        rec["__write_ts"] = self.now
        rec["__write_uid"] = self.uid

    def _check_required(self, model, rid):
        rec = self.db.records[model][rid]
        for name, f in self.db.models[model]["fields"].items():
            if f["def"]["required"] and f["stored"] and rec.get(name) in (False, None, ""):
                desc = self.db.models[model]["description"]
                label = f["def"]["string"]
                if self.db.version < 17:
                    raise UserError(
                        "The operation cannot be completed:\n- Create/update: a mandatory "
                        "field is not set.\n- Delete: another model requires the record being "
                        "deleted. If possible, archive it instead.\n\nModel: %s (%s)\n"
                        "Field: %s (%s)\n" % (desc, model, label, name))
                raise ValidationError(
                    "The operation cannot be completed: Missing required value for the field "
                    "'%s' (%s).\nModel: '%s' (%s)\n- create/update: a mandatory field is not "
                    "set\n- delete: another model requires the record being deleted, you can "
                    "archive it instead\n" % (label, name, desc, model))
        if model == "res.partner" and not rec["name"] and rec["type"] == "contact":
            raise ValidationError("Contacts require a name")
        if model == "event.event" and rec["date_end"] < rec["date_begin"]:
            raise ValidationError("The closing date cannot be earlier than the beginning date.")

    def after_create(self, model, rid, vals):
        recs = self.db.records
        if model == "event.registration":
            self.check_seats(rec_event=recs[model][rid]["event_id"])
        if model == "calendar.event":
            self.sync_calendar(rid)
            if self.db.version >= 19 and recs[model][rid]["description"]:
                self.add_organizer_block(rid)
        if model == "res.users":
            self.db.user_info.setdefault(rid, {"api_keys": [], "admin": False})

    def check_seats(self, rec_event):
        ev = self.db.records["event.event"].get(rec_event)
        if not ev or not ev["seats_limited"] or not ev["seats_max"]:
            return
        taken = sum(1 for r in self.db.records["event.registration"].values()
                    if r["event_id"] == rec_event and r["active"] and r["state"] in ("open", "done"))
        missing = taken - ev["seats_max"]
        if missing > 0:
            if self.db.version < 17:
                raise ValidationError('There are not enough seats available for:\n- "%s": '
                                      "Missing %d seats.\n" % (ev["name"], missing))
            raise ValidationError("There are not enough seats available for %s:\n%s: missing "
                                  "%d seat(s)" % (ev["name"], ev["name"], missing))

    def sync_calendar(self, rid):
        db = self.db
        rec = db.records["calendar.event"][rid]
        if rec["allday"]:
            day = rec["start_date"] or (rec["start"] or "")[:10]
            end = rec["stop_date"] or day
            rec["start_date"], rec["stop_date"] = day, end
            rec["start"], rec["stop"] = day + " 08:00:00", end + " 18:00:00"
            rec["duration"] = 10.0
        else:
            rec["start_date"] = rec["stop_date"] = False
            rec["duration"] = (db.parse_ts(rec["stop"]) - db.parse_ts(rec["start"])) / 3600.0
        partners = db.m2m_ids("calendar.event", "partner_ids", rid)
        attendees = db.records["calendar.attendee"]
        for aid in [a for a, r in attendees.items()
                    if r["event_id"] == rid and r["partner_id"] not in partners]:
            del attendees[aid]
        have = {r["partner_id"] for r in attendees.values() if r["event_id"] == rid}
        for pid in reversed(partners):  # Odoo numbered the captured attendees this way
            if pid not in have:
                aid = db.insert("calendar.attendee", {}, self.uid, self.now)
                attendees[aid].update({"event_id": rid, "partner_id": pid})

    def add_organizer_block(self, rid):
        """Odoo 19 appends who organises a new meeting and whom to contact to the
        description it was given (captured: 61 then 62). The contact is the attendee whose
        calendar.attendee record came first, the organiser's own partner aside."""
        recs = self.db.records
        rec = recs["calendar.event"][rid]
        user = recs["res.users"].get(rec["user_id"])
        organizer_partner = user["partner_id"] if user else None
        block = ["<br><strong>Organized by</strong><br>",
                 recs["res.partner"][organizer_partner]["name"] if user else ""]
        contact = next((r["partner_id"] for a, r in sorted(recs["calendar.attendee"].items())
                        if r["event_id"] == rid and r["partner_id"] != organizer_partner), None)
        if contact is not None:
            partner = recs["res.partner"][contact]
            block.append("<br><br><strong>Contact Details</strong><br>%s" % partner["name"])
            if partner["email"]:
                block.append('<br><a href="mailto:%s">%s</a>' % (partner["email"], partner["email"]))
            if partner["phone"]:
                block.append('<br><a href="tel:%s">%s</a>' % (urllib.parse.quote(partner["phone"]),
                                                              partner["phone"]))
        rec["description"] = "<div>%s%s</div>" % (rec["description"], "".join(block))

    # --- write / unlink -------------------------------------------------------------
    def write(self, model, ids, vals):
        self.check_model(model)
        self.check_access(model, "write")
        if not isinstance(vals, dict):
            raise PyValueError("write() expects a dict of values")
        ids = list(ids or [])
        gone = [i for i in ids if i not in self.db.records[model]]
        if gone:
            raise self.missing(model, gone)
        for name in vals:
            if self.db.field(model, name) is None:
                raise self._invalid_field(model, name)
        for rid in ids:
            self._assign(model, rid, vals)
            self._check_required(model, rid)
            if model == "calendar.event":
                self.sync_calendar(rid)
            if model == "event.registration" and vals.get("state") in ("open", "done"):
                self.check_seats(self.db.records[model][rid]["event_id"])
        return True

    def unlink(self, model, ids):
        self.check_model(model)
        self.check_access(model, "unlink")
        ids = [i for i in (ids or []) if i in self.db.records[model]]
        for rid in ids:
            del self.db.records[model][rid]
            for key, links in self.db.rel.items():
                if key[0] == model:
                    links.pop(rid, None)
                if self.db.field(key[0], key[1])["def"]["relation"] == model:
                    for ids in links.values():
                        if rid in ids:
                            ids.remove(rid)
        # ondelete: cascade for required links, set null otherwise
        for other, mdef in self.db.models.items():
            for name, f in mdef["fields"].items():
                if f["stored"] and f["def"]["type"] == "many2one" and \
                        f["def"].get("relation") == model:
                    for orid in list(self.db.records[other]):
                        r = self.db.records[other].get(orid)
                        if r is not None and r.get(name) in ids:
                            if f["def"]["required"]:
                                self.unlink(other, [orid])
                            else:
                                r[name] = False
        return True

    def set_active(self, model, ids, active):
        if "active" not in self.db.models[model]["fields"]:
            raise UserError("Model %s has no active field" % model)
        return self.write(model, ids, {"active": active})

