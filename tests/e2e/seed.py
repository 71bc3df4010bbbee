"""A realistic, deterministic cooperative for the end-to-end tests and the demo.

build_seed(members=400, communities=12, events=60, ...) returns
  {"odoo": <odoo sim seed>, "nextcloud": ..., "matrix": ..., "mobilizon": ...,
   "secrets": {"env": {VAR: value}, ...}, "facts": {what the tests and the report check}}
and render_config(seed, urls, store_path, log_level) the coopsync YAML for it. The pieces
both are made of (the accounts coopsync uses in each simulator, a partner, the config's
system sections) are shared with the benchmark's cooperative (bench/coopbench/seed.py).

Members: French names with accents, emails folded to ASCII and unique, phones in national
format ("06 12 34 56 78"), each tagged "Membre" and one "Communauté <Ville>" tag (the odoo
connector's member_tag / group_prefix). Some are already in Nextcloud and Matrix, made by
hand: same email, another spelling of the name, an account id not derived by coopsync's rule.
Two partners share an email (a couple): a conflict for a human. Events live in Mobilizon, one
group per community, some with a capacity and registrations. Everything derives from a fixed
random seed, so two runs build the same cooperative.
"""
import os
import random
import unicodedata

GIVEN = ["Hélène", "Élodie", "François", "Amélie", "Jérôme", "Gaëlle", "Cécile", "Noël",
         "Zoé", "Raphaël", "Léa", "Chloé", "Mathéo", "Inès", "Anaïs", "Loïc", "Benoît",
         "Agnès", "Sébastien", "Maëlle", "Aurélien", "Françoise", "Théo", "Clément",
         "Margaux", "Lucie", "Hugo", "Camille", "Nathalie", "Pierre", "Julien", "Sophie"]
FAMILY = ["Dupont", "Lefèvre", "Bérenger", "Moreau", "Rousseau", "Gauthier", "Chevalier",
          "Lemaître", "Fournier", "Girard", "Bonnet", "Mercier", "Lambert", "Faure",
          "André", "Guérin", "Boucher", "Perrin", "Rivière", "Lécuyer", "Desprès",
          "Marchand", "Duval", "Thibault", "Morin", "Étienne", "Prévost", "Noël", "Hébert",
          "Barbier", "Caron", "Léger"]
CITIES = ["Lyon", "Nantes", "Rennes", "Lille", "Toulouse", "Bordeaux", "Marseille",
          "Grenoble", "Strasbourg", "Montpellier", "Dijon", "Rouen", "Brest", "Tours",
          "Angers", "Metz"]
EVENT_TITLES = ["Atelier compost", "Assemblée générale", "Café coopératif", "Formation Odoo",
                "Pique-nique de l'été", "Réunion d'accueil des nouveaux", "Chantier participatif",
                "Soirée jeux", "Visite de la ferme", "Conseil d'administration"]

MEMBER_TAG = "Membre"
MEMBER_TAG_ID = 50          # Odoo res.partner.category ids: the member tag, then one per group
FIRST_GROUP_TAG_ID = 51
GROUP_PREFIX = "Communauté "
MAIL_DOMAIN = "coop.example"
MATRIX_SERVER = "coop.example"

# Secrets: the values only ever go to the servers' seeds and coopsync's environment.
SECRETS = {
    "COOPSYNC_E2E_ODOO_API_KEY": "odoo-key-7f3a9c2e51",
    "COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD": "nc-app-pass-4d8b1e6f",
    "COOPSYNC_E2E_MATRIX_TOKEN": "syt_coopbridge_9a1c5e7b",
    "COOPSYNC_E2E_MOBILIZON_PASSWORD": "mobilizon-bridge-2c6e",
    "COOPSYNC_E2E_CALDAV_PASSWORD": "caldav-pass-81f0",
}


def ascii_fold(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(city):
    return ascii_fold(city).lower().replace(" ", "-")


def respell(given, family):
    """The same person typed by hand elsewhere: accents dropped, family name upper-cased."""
    return "%s %s" % (ascii_fold(given), ascii_fold(family).upper())


def tag_categories(group_names):
    """Odoo's partner tags: the member tag, then GROUP_PREFIX + each name, ids from 50 up."""
    return [{"id": MEMBER_TAG_ID, "name": MEMBER_TAG}] + [
        {"id": FIRST_GROUP_TAG_ID + i, "name": GROUP_PREFIX + n} for i, n in enumerate(group_names)]


def partner(name, email, phone, group_tag_id):
    """A member as an Odoo res.partner: a person, French, tagged member and one group."""
    return {"name": name, "email": email, "phone": phone, "is_company": False, "lang": "fr_FR",
            "category_id": [[6, 0, [MEMBER_TAG_ID, group_tag_id]]]}


def odoo_seed(categories, partners):
    """The Odoo simulator's seed: database coop, its admin holding coopsync's API key."""
    return {
        "database": "coop",
        "languages": [["en_US", "English (US)"], ["fr_FR", "French / Français"]],
        "users": [{"login": "admin", "password": "admin",
                   "api_keys": [SECRETS["COOPSYNC_E2E_ODOO_API_KEY"]], "admin": True}],
        "records": {"res.partner.category": categories, "res.partner": partners},
    }


def nextcloud_seed(users=()):
    """The Nextcloud simulator's seed: admin (coopsync's app password), then `users`."""
    admin = {"id": "admin", "password": "admin-login-pass",
             "app_passwords": [SECRETS["COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD"]],
             "groups": ["admin"], "displayname": "admin"}
    return {"users": [admin] + list(users), "groups": []}


# Synapse 1.67, the version coopsync is judged on, has no admin lookup by e-mail (it came in
# 1.72): the scenarios run without it unless COOPSYNC_E2E_THREEPID_LOOKUP=1.
THREEPID_LOOKUP = os.environ.get("COOPSYNC_E2E_THREEPID_LOOKUP") == "1"


def matrix_seed(users=()):
    """The Matrix simulator's seed: the bridge's admin account (coopsync's token), then
    `users`; rate limits off, e-mail lookup as THREEPID_LOOKUP."""
    bridge = {"localpart": "coop_bridge", "admin": True, "displayname": "Coop Bridge",
              "tokens": [SECRETS["COOPSYNC_E2E_MATRIX_TOKEN"]]}
    return {"server_name": MATRIX_SERVER, "users": [bridge] + list(users),
            "rate_limits": {"enabled": False}, "features": {"threepid_lookup": THREEPID_LOOKUP}}


def build_seed(members=400, communities=12, events=60, by_hand=0.1, registrations=True,
               conflict=True, rng_seed=20261121):
    rng = random.Random(rng_seed)
    cities = CITIES[:communities]
    facts = {"members": [], "communities": [slug(c) for c in cities], "by_hand": [],
             "conflict_email": None, "events": []}

    # --- Odoo: tags (Membre + one per community) and partners -------------------------
    categories = tag_categories(cities)
    tag_of = {slug(city): FIRST_GROUP_TAG_ID + i for i, city in enumerate(cities)}
    partners = []
    used_emails = set()
    used_phones = set()
    for i in range(members):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        local = "%s.%s" % (ascii_fold(given).lower(), ascii_fold(family).lower().replace(" ", ""))
        email, n = local + "@" + MAIL_DOMAIN, 2
        while email in used_emails:
            email, n = "%s%d@%s" % (local, n, MAIL_DOMAIN), n + 1
        used_emails.add(email)
        phone = None
        while phone is None or phone in used_phones:
            phone = "0%d %02d %02d %02d %02d" % (rng.choice([6, 7]), rng.randrange(100),
                                                rng.randrange(100), rng.randrange(100),
                                                rng.randrange(100))
        used_phones.add(phone)
        community = slug(cities[i % len(cities)])
        partners.append(partner("%s %s" % (given, family), email, phone, tag_of[community]))
        facts["members"].append({"name": "%s %s" % (given, family), "given": given,
                                 "family": family, "email": email, "phone": phone,
                                 "community": community})
    if conflict:
        shared = "famille.guerin@" + MAIL_DOMAIN
        community = slug(cities[0])
        for given in ("Agnès", "Benoît"):
            partners.append(partner(given + " Guérin", shared, None, tag_of[community]))
        facts["conflict_email"] = shared
    odoo = odoo_seed(categories, partners)

    # --- Nextcloud and Matrix: a few members already there, typed by hand --------------
    nc_users, mx_users = [], []
    hand_count = int(members * by_hand) if members else 0
    for k, m in enumerate(rng.sample(facts["members"], hand_count)):
        # an id coopsync's rule would not derive (email_localpart): linking must go by email
        hand_id = ascii_fold(m["given"]).lower() + str(k + 1)
        spelled = respell(m["given"], m["family"])
        nc_users.append({"id": hand_id, "password": "hand-made-%d" % k, "email": m["email"],
                         "displayname": spelled, "groups": []})
        mx_users.append({"localpart": hand_id, "displayname": spelled, "password": "hand-%d" % k,
                         "threepids": [{"medium": "email", "address": m["email"]}]})
        facts["by_hand"].append({"email": m["email"], "nextcloud_id": hand_id,
                                 "matrix_id": "@%s:%s" % (hand_id, MATRIX_SERVER),
                                 "spelled": spelled})
    nextcloud = nextcloud_seed(nc_users)
    matrix = matrix_seed(mx_users)

    # --- Mobilizon: the bridge account, one group per community, events ----------------
    mob = {"settings": {"instance_url": "https://mobilizon.coop.example"},
           "users": [{"id": "3", "email": "bridge@" + MAIL_DOMAIN,
                      "password": SECRETS["COOPSYNC_E2E_MOBILIZON_PASSWORD"], "role": "USER",
                      "default_actor_id": "9", "locale": "fr"}],
           "actors": [{"id": "9", "type": "PERSON", "preferred_username": "coopsync",
                       "name": "Coop Sync", "user_id": "3"}],
           "members": [], "events": [], "participants": [], "addresses": []}
    for i, city in enumerate(cities):
        gid = str(100 + i)
        mob["actors"].append({"id": gid, "type": "GROUP", "preferred_username": slug(city),
                              "name": GROUP_PREFIX + city, "visibility": "PUBLIC",
                              "openness": "INVITE_ONLY"})
        mob["members"].append({"id": "00000000-0000-4000-8000-%012d" % i, "parent_id": gid,
                               "actor_id": "9", "role": "ADMINISTRATOR",
                               "inserted_at": "2026-01-05T09:00:00",
                               "updated_at": "2026-01-05T09:00:00"})
    # a few members have a Mobilizon account and register to events
    attendees = []
    if registrations and members:
        for k, m in enumerate(facts["members"][: max(1, members // 10)]):
            uid, aid = str(1000 + k), str(2000 + k)
            mob["users"].append({"id": uid, "email": m["email"], "password": "member-%d" % k,
                                 "role": "USER", "default_actor_id": aid})
            mob["actors"].append({"id": aid, "type": "PERSON",
                                  "preferred_username": "m%d" % k, "name": m["name"],
                                  "user_id": uid})
            attendees.append(aid)
    for e in range(events):
        city = cities[e % len(cities)]
        # Saturdays from March to May 2027: the daylight-saving change (28 March) falls inside
        day = 6 + 7 * (e // len(cities))
        month, dom = (3, day) if day <= 31 else (4, day - 31) if day <= 61 else (5, day - 61)
        hour_utc = 9 if (month, dom) < (3, 28) else 8   # 10:00 in Paris, both sides of DST
        eid = str(500 + e)
        title = "%s – %s" % (EVENT_TITLES[e % len(EVENT_TITLES)], city)
        capacity = 10 if e % 3 == 0 else None
        options = {"timezone": "Europe/Paris"}
        if capacity:
            options["maximum_attendee_capacity"] = capacity
        mob["events"].append({
            "id": eid, "uuid": "6b0c%04d-1f2e-4a3b-8c4d-5e6f7a8b9c0d" % e, "title": title,
            "description": "<p>Rendez-vous de la communauté de %s.</p>" % city,
            "begins_on": "2027-%02d-%02dT%02d:00:00Z" % (month, dom, hour_utc),
            "ends_on": "2027-%02d-%02dT%02d:00:00Z" % (month, dom, hour_utc + 2),
            "status": "CONFIRMED", "visibility": "PUBLIC", "join_options": "FREE",
            "draft": False, "category": "MEETING", "language": "fr",
            "publish_at": "2026-10-01T10:00:00Z", "inserted_at": "2026-10-01T10:00:00Z",
            "updated_at": "2026-10-01T10:00:00Z", "options": options,
            "organizer_actor_id": "9", "attributed_to_id": str(100 + cities.index(city)),
            "tags": []})
        mob["participants"].append({"id": "7c000000-0000-4000-8000-%012d" % e, "event_id": eid,
                                    "actor_id": "9", "role": "CREATOR",
                                    "inserted_at": "2026-10-01T10:00:00Z"})
        facts["events"].append({"title": title, "community": slug(city), "capacity": capacity})
        if capacity and attendees:
            for j, aid in enumerate(rng.sample(attendees, min(len(attendees), capacity // 2))):
                mob["participants"].append({
                    "id": "7d%06d-0000-4000-8000-%012d" % (e, j), "event_id": eid,
                    "actor_id": aid, "role": "PARTICIPANT",
                    "inserted_at": "2026-10-02T10:00:00Z"})
    return {"odoo": odoo, "nextcloud": nextcloud, "matrix": matrix, "mobilizon": mob,
            "secrets": {"env": dict(SECRETS), "caldav_user": "coopsync",
                        "caldav_password": SECRETS["COOPSYNC_E2E_CALDAV_PASSWORD"]},
            "facts": facts}


def render_config(seed, urls, store_path, log_level="warn"):
    """The coopsync config for a seeded cooperative; secrets only as ${VAR}."""
    caldav = ""
    if urls.get("caldav"):
        caldav = ("    caldav_url: %s\n    caldav_username: %s\n"
                  "    caldav_password: ${COOPSYNC_E2E_CALDAV_PASSWORD}\n"
                  % (urls["caldav"], seed["secrets"]["caldav_user"]))
    return config_text(urls, store_path, log_level=log_level,
                       mobilizon_groups=seed["facts"]["communities"], cloud_extra=caldav)


def config_text(urls, store_path, log_level="warn", mobilizon_groups=None, poll_interval=None,
                cloud_extra="", top_extra="", written_by="tests/e2e/harness.py"):
    """A coopsync config over the seeded accounts of Odoo, Nextcloud and Matrix, secrets only
    as ${VAR}. mobilizon_groups (slugs): events and registrations too, and Mobilizon for
    those groups; poll_interval: every system's; cloud_extra: more keys of Nextcloud's section;
    top_extra: more top-level sections (a daemon: section)."""
    poll = "    poll_interval: %s\n" % poll_interval if poll_interval else ""
    events = mobilizon_groups is not None
    mobilizon = ""
    if events:
        mobilizon = """  events:
    type: mobilizon
{poll}    kinds:
      group: {{create: false, update: false}}
      membership: {{}}
      event: {{owns: [title, description, start, end, timezone, capacity, online_url, visibility]}}
      registration: {{owns: [status]}}
    url: {url}
    email: bridge@{domain}
    password: ${{COOPSYNC_E2E_MOBILIZON_PASSWORD}}
    identity: coopsync
    groups: [{groups}]
""".format(poll=poll, url=urls["mobilizon"], domain=MAIL_DOMAIN,
           groups=", ".join(mobilizon_groups))
    return """# written by {written_by} for one run; secrets come from the environment
store:
  driver: sqlite
  path: {store}
identity:
  default_region: FR
  match:
    person: [email, phone]
    group: [slug]
engine:
  conflict_policy: newest
  when_full: waitlist
logging:
  format: text
  level: {log_level}
{top_extra}systems:
  odoo:
    type: odoo
{poll}    kinds:
      person:
        owns: [given_name, family_name, email, phone]
      group:
        owns: [name, slug]
      membership: {{}}
{odoo_events}    url: {odoo}
    database: coop
    username: admin
    api_key: ${{COOPSYNC_E2E_ODOO_API_KEY}}
    member_tag: "{member_tag}"
    group_prefix: "{group_prefix}"
  cloud:
    type: nextcloud
{poll}    kinds:
      person: {{on_delete: disable}}
      group: {{}}
      membership: {{}}
{cloud_events}    url: {nextcloud}
    username: admin
    app_password: ${{COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD}}
{cloud_extra}  chat:
    type: matrix
{poll}    kinds:
      person: {{on_delete: ignore}}
      group: {{}}
      membership: {{on_delete: delete}}
{chat_events}    url: {matrix}
    server_name: {server}
    mode: bot
    admin: true
    access_token: ${{COOPSYNC_E2E_MATRIX_TOKEN}}
{mobilizon}""".format(written_by=written_by, store=store_path, log_level=log_level,
                      top_extra=top_extra, poll=poll, odoo=urls["odoo"],
                      nextcloud=urls["nextcloud"], matrix=urls["matrix"],
                      cloud_extra=cloud_extra, server=MATRIX_SERVER, mobilizon=mobilizon,
                      member_tag=MEMBER_TAG, group_prefix=GROUP_PREFIX,
                      odoo_events="      event: {}\n      registration: {}\n" if events else "",
                      cloud_events="      event: {}\n" if events else "",
                      chat_events="      event: {read: false}\n" if events else "")
