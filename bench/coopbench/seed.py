"""A benchmark cooperative: N members tagged "Membre" in Odoo, spread over G communities
(one Odoo tag each), nobody yet in Nextcloud or Matrix; and the coopsync config that keeps
Odoo, Nextcloud (users, groups, memberships: no folders, no calendars) and Matrix (accounts,
a room per community in the space, invites) in agreement. Deterministic for a given size."""
import os
import sys

from .paths import E2E_DIR

sys.path.insert(0, E2E_DIR)
from seed import SECRETS, ascii_fold  # noqa: E402  (tests/e2e/seed.py)

MEMBER_TAG = "Membre"
GROUP_PREFIX = "Communauté "
MAIL_DOMAIN = "coop.example"
SERVER_NAME = "coop.example"
MEMBER_TAG_ID = 50
FIRST_GROUP_TAG_ID = 51
SYSTEMS = ("odoo", "nextcloud", "matrix")

GIVEN = ["Hélène", "Élodie", "François", "Amélie", "Jérôme", "Gaëlle", "Cécile", "Noël",
         "Zoé", "Raphaël", "Léa", "Chloé", "Mathéo", "Inès", "Anaïs", "Loïc"]
FAMILY = ["Dupont", "Lefèvre", "Bérenger", "Moreau", "Rousseau", "Gauthier", "Chevalier",
          "Lemaître", "Fournier", "Girard", "Bonnet", "Mercier", "Lambert", "Faure"]


def group_name(g):
    return "Commune %02d" % (g + 1)


def group_slug(g):
    return "commune-%02d" % (g + 1)


def member(i, groups):
    """The i-th member: a unique email (its local part is the Nextcloud id and Matrix
    localpart coopsync derives), a name with accents, a phone, one community."""
    given, family = GIVEN[i % len(GIVEN)], FAMILY[(i // len(GIVEN)) % len(FAMILY)]
    local = "%s.%s.%05d" % (ascii_fold(given).lower(), ascii_fold(family).lower(), i)
    return {"index": i, "name": "%s %s" % (given, family), "email": local + "@" + MAIL_DOMAIN,
            "local": local, "phone": "06 %02d %02d %02d %02d" % (
                (i // 1000000) % 100, (i // 10000) % 100, (i // 100) % 100, i % 100),
            "group": i % groups}


def build(members, groups):
    people = [member(i, groups) for i in range(members)]
    categories = [{"id": MEMBER_TAG_ID, "name": MEMBER_TAG}]
    for g in range(groups):
        categories.append({"id": FIRST_GROUP_TAG_ID + g, "name": GROUP_PREFIX + group_name(g)})
    partners = [{"name": p["name"], "email": p["email"], "phone": p["phone"],
                 "is_company": False, "lang": "fr_FR",
                 "category_id": [[6, 0, [MEMBER_TAG_ID, FIRST_GROUP_TAG_ID + p["group"]]]]}
                for p in people]
    odoo = {"database": "coop",
            "languages": [["en_US", "English (US)"], ["fr_FR", "French / Français"]],
            "users": [{"login": "admin", "password": "admin",
                       "api_keys": [SECRETS["COOPSYNC_E2E_ODOO_API_KEY"]], "admin": True}],
            "records": {"res.partner.category": categories, "res.partner": partners}}
    nextcloud = {"users": [{"id": "admin", "password": "admin-login-pass",
                            "app_passwords": [SECRETS["COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD"]],
                            "groups": ["admin"], "displayname": "admin"}], "groups": []}
    matrix = {"server_name": SERVER_NAME,
              "users": [{"localpart": "coop_bridge", "admin": True, "displayname": "Coop Bridge",
                         "tokens": [SECRETS["COOPSYNC_E2E_MATRIX_TOKEN"]]}],
              "rate_limits": {"enabled": False}, "features": {"threepid_lookup": True}}
    return {"odoo": odoo, "nextcloud": nextcloud, "matrix": matrix,
            "people": people, "groups": groups}


def env():
    """coopsync's environment: the secrets, only ever there (the config names them)."""
    out = dict(os.environ)
    out.update(SECRETS)
    return out


def secrets():
    return dict(SECRETS)


def render_config(urls, store_path, poll_interval="60s", daemon=None):
    """The coopsync YAML; `daemon` = (listen, token_file) adds the daemon section."""
    daemon_block = ""
    if daemon:
        daemon_block = "daemon:\n  listen: %s\n  control_token_file: %s\n" % daemon
    return """# written by scripts/bench for one run; secrets come from the environment
store:
  driver: sqlite
  path: {store}
identity:
  default_region: FR
  match:
    person: [email, phone]
    group: [slug]
logging:
  format: text
  level: warn
{daemon}systems:
  odoo:
    type: odoo
    poll_interval: {poll}
    kinds:
      person:
        owns: [given_name, family_name, email, phone]
      group:
        owns: [name, slug]
      membership: {{}}
    url: {odoo}
    database: coop
    username: admin
    api_key: ${{COOPSYNC_E2E_ODOO_API_KEY}}
    member_tag: "{member_tag}"
    group_prefix: "{group_prefix}"
  cloud:
    type: nextcloud
    poll_interval: {poll}
    kinds:
      person: {{on_delete: disable}}
      group: {{}}
      membership: {{}}
    url: {nextcloud}
    username: admin
    app_password: ${{COOPSYNC_E2E_NEXTCLOUD_APP_PASSWORD}}
    folder_template: ""
    calendar_template: ""
  chat:
    type: matrix
    poll_interval: {poll}
    kinds:
      person: {{on_delete: ignore}}
      group: {{}}
      membership: {{on_delete: delete}}
    url: {matrix}
    server_name: {server}
    mode: bot
    admin: true
    access_token: ${{COOPSYNC_E2E_MATRIX_TOKEN}}
""".format(store=store_path, daemon=daemon_block, poll=poll_interval, odoo=urls["odoo"],
           nextcloud=urls["nextcloud"], matrix=urls["matrix"], server=SERVER_NAME,
           member_tag=MEMBER_TAG, group_prefix=GROUP_PREFIX)
