"""ETag conflict on a group calendar (issue 4: "412 precondition failed -> re-read and merge"),
against a real Radicale. The race is made to happen, not hoped for: `coopsync daemon` runs
with every system polled hourly, and a webhook from Mobilizon wakes a pass that reads only
Mobilizon and writes to every system (the daemon's real behaviour). Between the daemon's last
read of the calendar and that pass, a person edits the event in their calendar app, so
coopsync's PUT carries the old ETag and Radicale answers 412. Expected: coopsync reads the
calendar again, merges field by field and writes with the new ETag in that same pass:
  A. the person changed the location, Mobilizon the title: both are in the calendar (and
     the location reaches Mobilizon);
  B. both changed the title (Mobilizon owns it: Mobilizon's stays) and the status (owned by
     nobody: conflict_policy newest decides; the person's edit carries LAST-MODIFIED an hour
     old, Mobilizon's cancellation is newer and wins), while the person's new location stays.
Afterwards a full pass converges and the next one writes nothing (no loop). Asserted on
Radicale's stored objects and the daemon's log (which must show the refusal, so the test
fails if the race did not happen). Every wait is bounded and polls a condition."""
import base64
import datetime
import os
import re
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

E2E = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, E2E)
sys.path.insert(0, os.path.join(E2E, "scenarios"))

from harness import Cooperative, binary_path, run_tests, wait_for  # noqa: E402
from checks import assert_checks, assert_quiet_pass, ran  # noqa: E402
from scenario_apis import CREATE_EVENT, UPDATE_EVENT, Mobilizon, unfold, vevent_props  # noqa: E402
from seed import build_seed  # noqa: E402

LYON_GROUP_ACTOR = "100"   # seed.py: Mobilizon group actors 100 + city index
BRIDGE_ACTOR = "9"
WEBHOOK_SECRET = "whs-etag-3f9a1c7e5b2d4086a1e0c4b7d9f2e615"
EVENT_OPTIONS = {"timezone": "Europe/Paris"}
UPDATE_REST = {"visibility": "PUBLIC", "joinOptions": "FREE", "category": "MEETING",
               "language": "fr", "options": EVENT_OPTIONS}
REFUSED = "changed there since read"   # the engine's log line on a refused write


class Calendar:
    """The Lyon group calendar in Radicale, read and edited as a person's client would."""

    def __init__(self, coop):
        self.coop = coop
        self.user = coop.seed["secrets"]["caldav_user"]
        self.password = coop.seed["secrets"]["caldav_password"]
        self.folder = os.path.join(coop.radicale.dir, "collections", "collection-root",
                                   self.user, "lyon")

    def objects(self):
        return sorted(n for n in os.listdir(self.folder) if n.endswith(".ics"))

    def request(self, method, name, body=None, headers=None):
        req = urllib.request.Request("%s/%s/lyon/%s" % (self.coop.radicale.base_url, self.user, name),
                                     data=body.encode("utf-8") if body is not None else None,
                                     method=method)
        token = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode("utf-8", "replace")

    def props(self, name):
        status, _, body = self.request("GET", name)
        assert status == 200, (status, body)
        return vevent_props(body)

    def edit(self, name, changes):
        """A person's edit: GET, change properties of the VEVENT, PUT with If-Match."""
        status, headers, body = self.request("GET", name)
        assert status == 200, (status, body)
        etag = headers.get("ETag") or headers.get("Etag")
        lines, out, inside = unfold(body), [], False
        for line in lines:
            if line == "BEGIN:VEVENT":
                inside = True
            elif line == "END:VEVENT":
                for prop, value in changes.items():
                    out.append("%s:%s" % (prop, value))
                inside = False
            elif inside and line.split(":", 1)[0].split(";", 1)[0] in changes:
                continue
            if line:
                out.append(line)
        status, _, text = self.request("PUT", name, "\r\n".join(out) + "\r\n",
                                       {"Content-Type": "text/calendar; charset=utf-8",
                                        "If-Match": etag})
        assert status in (201, 204), (status, text)


class Daemon:
    def __init__(self, coop):
        self.coop = coop
        self.port_file = os.path.join(coop.dir, "daemon.port")
        self.log_path = os.path.join(coop.dir, "daemon.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary_path(), "daemon", "--config", coop.config_path,
                                      "--port-file", self.port_file], env=coop.env, cwd=coop.dir,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def url(self, path):
        with open(self.port_file) as f:
            return "http://127.0.0.1:%d%s" % (int(f.read().strip()), path)

    def passes(self):
        if self.proc.poll() is not None:
            raise AssertionError("daemon exited %d: %s" % (self.proc.returncode, self.text()[-2000:]))
        try:
            with urllib.request.urlopen(self.url("/metrics"), timeout=60) as r:
                text = r.read().decode()
        except (OSError, ValueError):
            return 0
        m = re.search(r"(?m)^coopsync_daemon_passes_total (\d+)", text)
        return int(m.group(1)) if m else 0

    def webhook(self, system):
        req = urllib.request.Request(self.url("/webhook/" + system), data=b"{}", method="POST")
        req.add_header("X-Coopsync-Secret", WEBHOOK_SECRET)
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 202, r.status

    def text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=90)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log.close()


def daemon_config(text):
    """The harness's config with every system polled hourly and webhooks on loopback."""
    text = re.sub(r"(?m)^(    type: \w+\n)", r"\1    poll_interval: 1h\n", text)
    return text + ("daemon:\n  listen: 127.0.0.1:0\n"
                   "  webhook_secret: ${COOPSYNC_E2E_WEBHOOK_SECRET}\n")


class EtagConflict(unittest.TestCase):
    def test_a_calendar_edit_during_a_pass_is_merged_not_lost(self):
        seed = build_seed(members=4, communities=2, events=0, by_hand=0, registrations=False,
                          conflict=False)
        with Cooperative(seed, radicale=True, log_level="info") as coop:
            assert_checks(self, [ran(coop.sync(), "first pass")])
            mob = Mobilizon(coop, "bridge@coop.example", coop.env["COOPSYNC_E2E_MOBILIZON_PASSWORD"])
            made = mob.ok(CREATE_EVENT, dict(
                title="Fête de l'été", beginsOn="2027-06-12T08:00:00Z", endsOn="2027-06-12T10:30:00Z",
                organizerActorId=BRIDGE_ACTOR, attributedToId=LYON_GROUP_ACTOR,
                description="<p>Pique-nique.</p>", status="CONFIRMED", visibility="PUBLIC",
                joinOptions="FREE", draft=False, category="MEETING", options=EVENT_OPTIONS,
                language="fr"))["createEvent"]
            assert_checks(self, [ran(coop.sync(), "pass after the event")])
            assert_quiet_pass(self, coop, "pass after the event was spread")
            cal = Calendar(coop)
            objects = cal.objects()
            self.assertEqual(len(objects), 1, objects)
            name = objects[0]
            self.assertEqual(cal.props(name)["SUMMARY"], "Fête de l'été")

            with open(coop.config_path, encoding="utf-8") as f:
                config = daemon_config(f.read())
            with open(coop.config_path, "w", encoding="utf-8") as f:
                f.write(config)
            coop.env["COOPSYNC_E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
            daemon = Daemon(coop)
            try:
                wait_for(lambda: daemon.passes() >= 1, "the daemon's first pass")

                # A: Mobilizon renames the event; meanwhile someone sets its location in the
                # calendar. The pass woken by Mobilizon has not read the calendar since.
                mob.ok(UPDATE_EVENT, dict(UPDATE_REST, eventId=made["id"],
                                          title="Fête de l'été au parc"))
                cal.edit(name, {"LOCATION": "Parc de la Tête d'Or"})
                done = daemon.passes()
                daemon.webhook("events")
                wait_for(lambda: daemon.passes() > done, "the pass woken by Mobilizon")
                wait_for(lambda: cal.props(name).get("SUMMARY") == "Fête de l'été au parc",
                         "Mobilizon's title in the calendar despite the 412")
                props = cal.props(name)
                self.assertEqual(props.get("LOCATION"), "Parc de la Tête d'Or",
                                 "the person's location survives")
                self.assertIn(REFUSED, daemon.text(), "the race happened: Radicale refused a PUT")
                refusals = daemon.text().count(REFUSED)

                # B: both sides change the title and the status, and the person the location
                # again; the person's client stamps its edit an hour ago.
                hour_ago = (datetime.datetime.now(datetime.timezone.utc)
                            - datetime.timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
                mob.ok(UPDATE_EVENT, dict(UPDATE_REST, eventId=made["id"],
                                          title="Fête de l'été (annulée)", status="CANCELLED"))
                cal.edit(name, {"SUMMARY": "Fête (titre à la main)", "STATUS": "TENTATIVE",
                                "LOCATION": "Salle B", "LAST-MODIFIED": hour_ago})
                done = daemon.passes()
                daemon.webhook("events")
                wait_for(lambda: daemon.passes() > done, "the second pass woken by Mobilizon")
                wait_for(lambda: cal.props(name).get("SUMMARY") == "Fête de l'été (annulée)",
                         "the owner's title in the calendar")
                props = cal.props(name)
                self.assertEqual(props.get("STATUS"), "CANCELLED", "newest change of the status")
                self.assertEqual(props.get("LOCATION"), "Salle B", "the person's location survives")
                self.assertGreater(daemon.text().count(REFUSED), refusals, "the second race happened")
            finally:
                self.assertEqual(daemon.stop(), 0, "SIGTERM exits 0")

            self.assertEqual(cal.objects(), [name], "one calendar entry, never a second")
            assert_checks(self, [ran(coop.sync(), "full pass after the daemon")])
            events = [e for e in coop.state("mobilizon")["events"] if e["id"] == made["id"]]
            self.assertEqual(len(events), 1)
            self.assertEqual(events[0]["title"], "Fête de l'été (annulée)")
            self.assertEqual(events[0]["status"].upper(), "CANCELLED")
            mob_state = coop.state("mobilizon")
            address = [a for a in mob_state.get("addresses", [])
                       if a["id"] == events[0].get("physical_address_id")]
            self.assertEqual([a.get("description") for a in address], ["Salle B"],
                             "the person's location reached Mobilizon")
            props = cal.props(name)
            self.assertEqual((props.get("SUMMARY"), props.get("STATUS"), props.get("LOCATION")),
                             ("Fête de l'été (annulée)", "CANCELLED", "Salle B"))
            assert_quiet_pass(self, coop, "pass after the conflicts were settled")


if __name__ == "__main__":
    run_tests()
