"""A benchmark cooperative: N members tagged "Membre" in Odoo, spread over G communities
(one Odoo tag each), nobody yet in Nextcloud or Matrix; and the coopsync config that keeps
Odoo, Nextcloud (users, groups, memberships: no folders, no calendars) and Matrix (accounts,
a room per community in the space, invites) in agreement. Deterministic for a given size.
The accounts coopsync uses, the partners and the config's sections are tests/e2e/seed.py's."""
import os
import time

from .paths import E2E_DIR  # noqa: F401  (puts tests/e2e on sys.path)
from seed import (FAMILY as E2E_FAMILY, GIVEN as E2E_GIVEN, FIRST_GROUP_TAG_ID,  # noqa: E402,F401
                  GROUP_PREFIX, MAIL_DOMAIN, MATRIX_SERVER as SERVER_NAME, MEMBER_TAG,
                  MEMBER_TAG_ID, SECRETS, ascii_fold, config_text, matrix_seed, nextcloud_seed,
                  odoo_seed, partner, tag_categories)

SYSTEMS = ("odoo", "nextcloud", "matrix")

# the first names of the e2e lists: the members of a given size stay those of earlier runs
GIVEN = E2E_GIVEN[:16]
FAMILY = E2E_FAMILY[:14]


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
    categories = tag_categories([group_name(g) for g in range(groups)])
    partners = [partner(p["name"], p["email"], p["phone"], FIRST_GROUP_TAG_ID + p["group"])
                for p in people]
    odoo = odoo_seed(categories, partners)
    # The members were written a day ago, as a cooperative's are long before its first sync:
    # seeded "now", they would all lie in the Odoo feed's overlap window, which the pass
    # after the first reads again (records read in a second still open may have changed in
    # it). That re-read belongs to a pass just after a bulk import, not to a no-op pass.
    odoo["began_at"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 86400))
    return {"odoo": odoo, "nextcloud": nextcloud_seed(),
            "matrix": matrix_seed(), "people": people, "groups": groups}


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
    return config_text(urls, store_path, poll_interval=poll_interval, top_extra=daemon_block,
                       cloud_extra='    folder_template: ""\n    calendar_template: ""\n',
                       written_by="scripts/bench")
