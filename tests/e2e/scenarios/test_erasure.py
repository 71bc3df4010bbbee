"""Scenario 9 (SCENARIOS.md), Erasure: `coopsync forget <email>` erases the person in every
system per its `forget` policy (here Odoo anonymises the partner, Nextcloud deletes the
account, Matrix deactivates it), takes them out of their community's group and room, and leaves in
the store only salted hashes: neither the email, the name nor the phone is anywhere in
the store file. A following pass does not import the person again from any system that
still has them (the anonymised Odoo partner; a Nextcloud account typed again by hand with
the same email; the deactivated Matrix account), and the pass after writes nothing."""
import os
import sqlite3
import sys
import unittest

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)

from checks import assert_checks, assert_quiet_pass  # noqa: E402
from edits import nextcloud_create_user, odoo_partner_id, odoo_read  # noqa: E402
from harness import Cooperative, run_tests  # noqa: E402
from observe import summaries  # noqa: E402
from seed import MATRIX_SERVER, build_seed  # noqa: E402
import checks  # noqa: E402


def with_erasure_policies(coop):
    """The e2e config, with `forget: anonymize` for Odoo (a partner may be referenced by
    accounting records: it is anonymised rather than deleted) and Nextcloud allowed to
    delete accounts (person_delete: delete; with the default, disable, a forgotten
    person's account is anonymised instead)."""
    with open(coop.config_path, encoding="utf-8") as f:
        text = f.read()
    for system, line in (("odoo", "    forget: anonymize\n"),
                         ("nextcloud", "    person_delete: delete\n")):
        marker = "    type: %s\n" % system
        assert text.count(marker) == 1
        text = text.replace(marker, marker + line)
    with open(coop.config_path, "w", encoding="utf-8") as f:
        f.write(text)


def store_bytes(coop):
    """Every byte of the store, its WAL included (what a disk image would show)."""
    out = b""
    for suffix in ("", "-wal"):
        path = os.path.join(coop.dir, "coopsync.db" + suffix)
        if os.path.exists(path):
            with open(path, "rb") as f:
                out += f.read()
    return out


def where_in_store(coop, text):
    """The tables and columns whose live rows hold `text` (for a failure's message)."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(coop.dir, "coopsync.db"), uri=True)
    found = []
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % table)]
            for col in cols:
                n = db.execute("SELECT COUNT(*) FROM %s WHERE CAST(%s AS TEXT) LIKE ?"
                               % (table, col), ("%" + text + "%",)).fetchone()[0]
                if n:
                    found.append("%s.%s: %d row(s)" % (table, col, n))
    finally:
        db.close()
    return found or ["no live row: in freed pages or the WAL"]


class Erasure(unittest.TestCase):
    def test_forget_erases_everywhere_and_never_reimports(self):
        seed = build_seed(members=12, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        person = seed["facts"]["members"][0]
        email, uid = person["email"], person["email"].split("@")[0]
        mx_user = "@%s:%s" % (uid, MATRIX_SERVER)
        with Cooperative(seed) as coop:
            with_erasure_policies(coop)
            result = coop.sync()
            assert_checks(self, [checks.ran(result, "first pass")])
            partner_id = odoo_partner_id(coop, email)
            before = summaries(coop)
            self.assertIn(uid, before["nextcloud"]["users"])
            self.assertIn(mx_user, before["matrix"]["users"])

            forgot = coop.run("forget", email)
            self.assertEqual(forgot.returncode, 0, forgot.stdout[-2000:] + forgot.stderr[-2000:])
            for secret in (email, person["name"], person["phone"]):
                self.assertNotIn(secret, forgot.stdout + forgot.stderr)
            after = summaries(coop)
            # Odoo: the partner is kept, anonymised, out of the member scope
            partner = odoo_read(coop, "res.partner", [partner_id],
                                ["name", "email", "phone", "active"])[0]
            self.assertNotIn(person["family"], partner["name"])
            self.assertFalse(partner["email"])
            self.assertFalse(partner["phone"])
            self.assertNotIn(partner_id, after["odoo"]["members"])
            # Nextcloud: the account is gone, and so is its group membership
            self.assertNotIn(uid, after["nextcloud"]["users"])
            for group in after["nextcloud"]["groups"].values():
                self.assertNotIn(uid, group["members"])
            # Matrix: deactivated and erased (no email, no name), out of every room
            mx = after["matrix"]["users"].get(mx_user)
            if mx is not None:
                self.assertTrue(mx["deactivated"], mx)
                self.assertEqual(mx.get("emails", []), [])
                self.assertNotIn(person["family"], mx.get("displayname") or "")
            for room in after["matrix"]["rooms"].values():
                self.assertNotIn(room["members"].get(mx_user), ("invite", "join"))
            # nobody else was touched
            self.assertEqual(len(after["nextcloud"]["users"]), len(before["nextcloud"]["users"]) - 1)

            # The store holds no personal data of theirs, only salted hashes.
            raw = store_bytes(coop)
            for secret in (email, person["name"], person["phone"], uid):
                self.assertNotIn(secret.encode("utf-8"), raw, "%r left in the store: %s"
                                 % (secret, where_in_store(coop, secret)))
            db = sqlite3.connect("file:%s?mode=ro" % os.path.join(coop.dir, "coopsync.db"), uri=True)
            try:
                forgotten = db.execute("SELECT COUNT(*) FROM forgotten").fetchone()[0]
            finally:
                db.close()
            self.assertGreaterEqual(forgotten, 1, "a salted hash is kept")
            gone = coop.run("links", "show", "--system", "odoo", "--kind", "person",
                            "--external-id", str(partner_id), "--json")
            linked = gone.json or []
            self.assertTrue(all(link.get("system") == "odoo" for link in linked),
                            "the anonymised Odoo partner is linked to nothing else: %s" % linked)

            # Somebody types the account again by hand in Nextcloud, same email.
            nextcloud_create_user(coop, uid + "2", "typed-again-9-Xq", email, person["name"])
            again = assert_quiet_pass(self, coop, "pass after forget")
            self.assertEqual(again.json.get("new_entities"), 0, "nobody imported again")
            odoo_now = [p for p in coop.state("odoo")["res.partner"]
                        if (p.get("email") or "").lower() == email]
            self.assertEqual(odoo_now, [], "not re-created in Odoo")
            retyped = coop.run("links", "show", "--system", "cloud", "--kind", "person",
                               "--external-id", uid + "2")
            self.assertEqual(retyped.returncode, 2, "the account typed again is not linked")
            self.assertNotIn(email.encode("utf-8"), store_bytes(coop))

            quiet = coop.sync()
            assert_checks(self, [checks.ran(quiet, "pass after that")])
            self.assertEqual(quiet.json.get("writes"), 0, quiet.stdout[-2000:])


if __name__ == "__main__":
    run_tests()
