"""Field definitions of the simulated models, per Odoo major version.

Only the fields coopsync and the captured fixtures touch are declared (the real
res.partner of the captured 16.0 database has 151). Differences between versions are
the ones observed in ../shared/fixtures/odoo (16.0) and ../shared/fixtures/odoo19:
`mobile` is gone from 18 on, the membership module (membership_state, free_member) was
not installed on the 19 capture, event seats fields moved (seats_unconfirmed and
seats_expected on 16, seats_taken on 19), the required tag name is labelled
"Tag Name" on 16 and "Name" on 19.
"""
import zoneinfo


def F(ftype, string, relation=None, required=False, readonly=False, selection=None,
      stored=True, default=None):
    d = {"type": ftype, "string": string, "required": required, "readonly": readonly}
    if relation:
        d["relation"] = relation
    if selection is not None:
        d["selection"] = selection
    return {"def": d, "stored": stored, "default": default}


def _common(fields):
    fields.setdefault("id", F("integer", "ID", readonly=True, stored=False))
    fields.setdefault("display_name", F("char", "Display Name", readonly=True, stored=False))
    fields.setdefault("create_date", F("datetime", "Created on", readonly=True, stored=False))
    fields.setdefault("write_date", F("datetime", "Last Updated on", readonly=True, stored=False))
    fields.setdefault("create_uid", F("many2one", "Created by", "res.users", readonly=True,
                                      stored=False))
    fields.setdefault("write_uid", F("many2one", "Last Updated by", "res.users", readonly=True,
                                     stored=False))
    return fields


TZ_SELECTION = [[z, z] for z in sorted(zoneinfo.available_timezones())
                if not z.startswith(("SystemV/", "posix/", "right/"))]

REGISTRATION_STATES = [["draft", "Unconfirmed"], ["cancel", "Cancelled"],
                       ["open", "Registered"], ["done", "Attended"]]


def models_for(version, languages):
    lang_sel = [[code, label] for code, label in languages]
    partner = {
        "name": F("char", "Name"),
        "email": F("char", "Email"),
        "email_normalized": F("char", "Normalized Email", readonly=True, stored=False),
        "phone": F("char", "Phone"),
        "street": F("char", "Street"),
        "street2": F("char", "Street2"),
        "zip": F("char", "Zip"),
        "city": F("char", "City"),
        "country_id": F("many2one", "Country", "res.country"),
        "parent_id": F("many2one", "Related Company", "res.partner"),
        "child_ids": F("one2many", "Contact", "res.partner", stored=False),
        "category_id": F("many2many", "Tags", "res.partner.category"),
        "active": F("boolean", "Active", default=True),
        "lang": F("selection", "Language", selection=lang_sel),
        "tz": F("selection", "Timezone", selection=TZ_SELECTION),
        "comment": F("html", "Notes"),
        "is_company": F("boolean", "Is a Company", default=False),
        "type": F("selection", "Address Type", default="contact", selection=(
            [["contact", "Contact"], ["invoice", "Invoice Address"],
             ["delivery", "Delivery Address"], ["private", "Private Address"],
             ["other", "Other Address"]] if version < 17 else
            [["contact", "Contact"], ["invoice", "Invoice"], ["delivery", "Delivery"],
             ["other", "Other"]])),
        "function": F("char", "Job Position"),
        "ref": F("char", "Reference"),
        "website": F("char", "Website Link"),
        "vat": F("char", "Tax ID"),
        "company_id": F("many2one", "Company", "res.company"),
        "user_ids": F("one2many", "Users", "res.users", stored=False),
        "commercial_partner_id": F("many2one", "Commercial Entity", "res.partner",
                                   readonly=True, stored=False),
        "image_128": F("binary", "Image 128", readonly=True, stored=False),
    }
    if version >= 17:
        partner["complete_name"] = F("char", "Complete Name", readonly=True, stored=False)
    if version < 18:
        partner["mobile"] = F("char", "Mobile")
    if version < 17:
        partner["membership_state"] = F("selection", "Current Membership Status",
                                        readonly=True, stored=False, selection=[
                                            ["none", "Non Member"],
                                            ["canceled", "Cancelled Member"],
                                            ["old", "Old Member"],
                                            ["waiting", "Waiting Member"],
                                            ["invoiced", "Invoiced Member"],
                                            ["free", "Free Member"], ["paid", "Paid Member"]])
        partner["free_member"] = F("boolean", "Free Member", default=False)

    category = {
        "name": F("char", "Tag Name" if version < 17 else "Name", required=True),
        "color": F("integer", "Color", default=0),
        "parent_id": F("many2one", "Parent Category", "res.partner.category"),
        "child_ids": F("one2many", "Child Tags", "res.partner.category", stored=False),
        "active": F("boolean", "Active", default=True),
        "partner_ids": F("many2many", "Partners", "res.partner", stored=False),
    }

    event = {
        "name": F("char", "Event", required=True),
        "active": F("boolean", "Active", default=True),
        "date_begin": F("datetime", "Start Date", required=True),
        "date_end": F("datetime", "End Date", required=True),
        "date_tz": F("selection", "Display Timezone", selection=TZ_SELECTION),
        "seats_limited": F("boolean", "Limit Registrations", default=False),
        "seats_max": F("integer", "Maximum Attendees", default=0),
        "seats_available": F("integer", "Available Seats", readonly=True, stored=False),
        "seats_reserved": F("integer", "Number of Registrations", readonly=True, stored=False),
        "seats_used": F("integer", "Number of Attendees", readonly=True, stored=False),
        "event_registrations_open": F("boolean", "Registration open", readonly=True,
                                      stored=False),
        "event_registrations_sold_out": F("boolean", "Sold Out", readonly=True, stored=False),
        "organizer_id": F("many2one", "Organizer", "res.partner"),
        "address_id": F("many2one", "Venue", "res.partner"),
        "stage_id": F("many2one", "Stage", "event.stage"),
        "tag_ids": F("many2many", "Tags", "event.tag"),
        "registration_ids": F("one2many", "Attendees", "event.registration", stored=False),
        "user_id": F("many2one", "Responsible", "res.users"),
        "company_id": F("many2one", "Company", "res.company"),
        "note": F("html", "Note"),
        "description": F("html", "Description"),
        "kanban_state": F("selection", "Kanban State", default="normal", selection=[
            ["normal", "In Progress"], ["done", "Ready for Next Stage"],
            ["blocked", "Blocked"]]),
    }
    if version < 17:
        event["seats_unconfirmed"] = F("integer", "Unconfirmed Registrations", readonly=True,
                                       stored=False)
        event["seats_expected"] = F("integer", "Number of Expected Attendees", readonly=True,
                                    stored=False)
        event["auto_confirm"] = F("boolean", "Autoconfirmation", default=True)
    else:
        event["seats_taken"] = F("integer", "Number of Taken Seats", readonly=True,
                                 stored=False)

    registration = {
        "event_id": F("many2one", "Event", "event.event", required=True),
        "partner_id": F("many2one", "Booked by", "res.partner"),
        "name": F("char", "Attendee Name"),
        "email": F("char", "Email"),
        "phone": F("char", "Phone"),
        "state": F("selection", "Status", selection=REGISTRATION_STATES, default="draft"),
        "active": F("boolean", "Active", default=True),
        "event_begin_date": F("datetime", "Event Start Date", readonly=True, stored=False),
        "date_closed": F("datetime", "Attended Date"),
        "company_id": F("many2one", "Company", "res.company"),
    }
    if version < 18:
        registration["mobile"] = F("char", "Mobile")

    calendar = {
        "name": F("char", "Meeting Subject", required=True),
        "start": F("datetime", "Start", required=True),
        "stop": F("datetime", "Stop", required=True),
        "allday": F("boolean", "All Day", default=False),
        "start_date": F("date", "Start Date"),
        "stop_date": F("date", "End Date"),
        "duration": F("float", "Duration"),
        "event_tz": F("selection", "Timezone", selection=TZ_SELECTION),
        "location": F("char", "Location"),
        "description": F("html", "Description"),
        "partner_ids": F("many2many", "Attendees", "res.partner"),
        "categ_ids": F("many2many", "Tags", "calendar.event.type"),
        "attendee_ids": F("one2many", "Participant", "calendar.attendee", stored=False),
        "user_id": F("many2one", "Organizer", "res.users"),
        "privacy": F("selection", "Privacy", selection=[
            ["public", "Public"], ["private", "Private"], ["confidential", "Only internal users"]],
            default="public" if version < 17 else False),
        "show_as": F("selection", "Show as", default="busy",
                     selection=[["free", "Available"], ["busy", "Busy"]]),
        "recurrency": F("boolean", "Recurrent", default=False),
        "active": F("boolean", "Active", default=True),
    }
    attendee = {
        "event_id": F("many2one", "Meeting linked", "calendar.event", required=True),
        "partner_id": F("many2one", "Contact", "res.partner", required=True),
        "email": F("char", "Email", stored=False),
        "common_name": F("char", "Common name", stored=False),
        "state": F("selection", "Status", default="needsAction", selection=[
            ["needsAction", "Needs Action"], ["tentative", "Uncertain"],
            ["declined", "Declined"], ["accepted", "Accepted"]]),
    }
    users = {
        "name": F("char", "Name", stored=False),
        "login": F("char", "Login", required=True),
        "password": F("char", "Password"),
        "partner_id": F("many2one", "Related Partner", "res.partner", required=True),
        "active": F("boolean", "Active", default=True),
        "email": F("char", "Email", stored=False),
        "groups_id": F("many2many", "Groups", "res.groups"),
        "company_id": F("many2one", "Company", "res.company"),
    }
    models = {
        "res.partner": ("Contact", "display_name asc, id desc", partner),
        "res.partner.category": ("Partner Tags", "name asc, id asc", category),
        "event.event": ("Event", "date_begin asc, id asc", event),
        "event.registration": ("Event Registration", "id desc", registration),
        "event.stage": ("Event Stage", "id asc", {"name": F("char", "Stage Name",
                                                             required=True)}),
        "event.tag": ("Event Tag", "id asc", {"name": F("char", "Name", required=True)}),
        "calendar.event": ("Calendar Event", "start desc, id desc", calendar),
        "calendar.attendee": ("Calendar Attendee Information", "id asc", attendee),
        "calendar.event.type": ("Event Meeting Type", "id asc", {
            "name": F("char", "Name", required=True)}),
        "res.users": ("User", "name asc, login asc", users),
        "res.groups": ("Access Groups", "name asc", {"name": F("char", "Name", required=True)}),
        "res.company": ("Companies", "id asc", {
            "name": F("char", "Company Name", required=True),
            "partner_id": F("many2one", "Partner", "res.partner", required=True)}),
        "res.country": ("Country", "name asc", {
            "name": F("char", "Country Name", required=True),
            "code": F("char", "Country Code")}),
    }
    return {name: {"description": desc, "order": order, "fields": _common(dict(fields))}
            for name, (desc, order, fields) in models.items()}


# Which group a non-admin user lacks, per model, in AccessError messages (as captured).
def missing_group(version, model):
    if model == "res.company":
        return "Administration/Access Rights" if version < 17 else "Access Rights"
    if model in ("res.partner", "res.partner.category"):
        return "Extra Rights/Contact Creation" if version < 17 else "Contact/Creation"
    if model.startswith("event."):
        return "Events/User"
    return "Administration/Settings"
