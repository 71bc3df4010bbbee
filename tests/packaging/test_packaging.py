"""Packaging checks that run without Docker or a booted systemd:

  * the Dockerfile's run stage installs a package for every shared library the built binary
    links (ldd -> dpkg -S), counting what those packages and the slim image's essential set
    bring along, and installs no library package the binary does not use;
  * the Dockerfile's shape: build on debian:bookworm from scripts/packages, run on
    bookworm-slim as a non-root user, ENTRYPOINT coopsync, default command the daemon;
  * the build context the .dockerignore leaves configures (cmake, tests off);
  * scripts/coopsync.service has the hardening it promises and `systemd-analyze verify`
    (when present) has nothing to say about it;
  * config/example.yaml mentions every key of every connector (`connectors describe`).
Debian package names are this host's (bookworm, as the image), so a renamed library
package fails here rather than in a Docker build nobody ran."""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BINARY = os.environ.get("COOPSYNC_BINARY") or os.path.join(SOURCE, "build", "coopsync")


def read(rel):
    with open(os.path.join(SOURCE, rel), encoding="utf-8") as f:
        return f.read()


def dockerfile_stages():
    """[(from_line, [instruction lines with continuations joined])]"""
    text = re.sub(r"\\\n", " ", read("Dockerfile"))
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def apt_packages(instructions):
    pkgs = []
    for ins in instructions:
        if not ins.upper().startswith("RUN "):
            continue
        for m in re.finditer(r"apt-get install ([^;&|]*)", ins):
            pkgs += [t for t in m.group(1).split() if not t.startswith("-") and not t.startswith("$")]
    return pkgs


_DPKG = None


def dpkg_db():
    """{package: (installed, depends text)} for every package this host's dpkg knows."""
    global _DPKG
    if _DPKG is None:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Status}\t${Pre-Depends}, ${Depends}\n"],
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        _DPKG = {}
        for line in out.splitlines():
            pkg, status, deps = (line.split("\t") + ["", ""])[:3]
            ok = status.endswith(" installed")
            if ok or pkg not in _DPKG:
                _DPKG[pkg] = (ok, deps)
    return _DPKG


def installed(pkg):
    return dpkg_db().get(pkg, (False, ""))[0]


def closure(roots):
    """The packages `roots` pull in (Depends, Pre-Depends), as installed on this host."""
    seen, todo = set(), list(roots)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        for clause in dpkg_db().get(pkg, (False, ""))[1].split(","):
            alternatives = [re.sub(r"\(.*?\)|:\w+", "", a).strip() for a in clause.split("|")]
            present = [a for a in alternatives if a and installed(a)]
            todo.extend(present[:1])
    return seen


def slim_base():
    """What debian:bookworm-slim holds before any install: the Essential packages and apt."""
    p = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Essential}\n"], stdout=subprocess.PIPE,
                       text=True, check=True)
    essential = [l.split()[0] for l in p.stdout.splitlines() if l.endswith(" yes")]
    return closure(essential + ["apt"])


def linked_libraries(binary):
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.append(m.group(1))
    return libs


def owners(paths):
    """{library path: Debian package shipping it} in one dpkg -S call (merged /usr aware)."""
    variants = {}
    for path in paths:
        for c in (path, os.path.realpath(path), path.replace("/usr/lib/", "/lib/", 1),
                  path.replace("/lib/", "/usr/lib/", 1)):
            variants.setdefault(c, path)
    p = subprocess.run(["dpkg", "-S"] + sorted(variants), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    out = {}
    for line in p.stdout.splitlines():
        pkgs, _, shipped = line.partition(": ")
        if shipped in variants:
            out.setdefault(variants[shipped], pkgs.split(",")[0].split(":")[0].strip())
    return out


class Dockerfile(unittest.TestCase):
    def setUp(self):
        self.stages = dockerfile_stages()
        self.assertEqual(len(self.stages), 2, "a build stage and a run stage")
        self.build, self.run_stage = self.stages

    def test_shape(self):
        self.assertRegex(self.build[0], r"^FROM debian:bookworm AS build$")
        self.assertRegex(self.run_stage[0], r"^FROM debian:bookworm-slim( AS \w+)?$")
        build = "\n".join(self.build[1])
        self.assertIn("scripts/packages", build, "build packages come from scripts/packages")
        self.assertIn("--target coopsync", build)
        run = self.run_stage[1]
        users = [l.split()[1] for l in run if l.upper().startswith("USER ")]
        self.assertTrue(users and users[-1] not in ("root", "0"), "runs as a non-root user")
        self.assertIn("COPY config/ /etc/coopsync/", run)
        self.assertTrue(any(l.startswith("COPY --from=build") and "coopsync" in l for l in run))
        self.assertIn('ENTRYPOINT ["/usr/local/bin/coopsync"]', run)
        self.assertIn('CMD ["daemon", "--config", "/etc/coopsync/coopsync.yaml"]', run)
        self.assertFalse([p for p in apt_packages(run) if p.endswith("-dev")], "no -dev in the run stage")

    @unittest.skipUnless(shutil.which("dpkg-query") and os.access(BINARY, os.X_OK), "needs dpkg and the binary")
    def test_run_stage_provides_every_linked_library(self):
        run_pkgs = apt_packages(self.run_stage[1])
        self.assertTrue(run_pkgs, "the run stage installs its libraries")
        unknown = [p for p in run_pkgs if not installed(p)]
        self.assertEqual(unknown, [], "run-stage packages unknown to this bookworm host")
        provided = closure(run_pkgs) | slim_base()
        needed = {}
        libs = linked_libraries(BINARY)
        shipped = owners(libs)
        for lib in libs:
            self.assertIn(lib, shipped, "no Debian package ships %s" % lib)
            needed.setdefault(shipped[lib], []).append(os.path.basename(lib))
        missing = {p: libs for p, libs in needed.items() if p not in provided}
        self.assertEqual(missing, {}, "libraries the image would lack (add their packages to the run stage)")
        # and nothing superfluous: each library package installed there is one the binary links
        base = slim_base()
        extra = [p for p in run_pkgs if p.startswith("lib") and p not in needed and p not in base]
        self.assertEqual(extra, [], "run-stage library packages the binary does not link")

    @unittest.skipUnless(shutil.which("cmake"), "needs cmake")
    def test_build_context_configures(self):
        patterns = [l.strip() for l in read(".dockerignore").splitlines()
                    if l.strip() and not l.startswith("#")]

        def ignored(rel):
            for pat in patterns:
                pat = pat.rstrip("/")
                if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel.split("/")[0], pat):
                    return True
                if pat.startswith("**/") and fnmatch.fnmatch(os.path.basename(rel), pat[3:]):
                    return True
            return False

        self.assertTrue(ignored("build") and ignored(".git"), ".dockerignore keeps build/ and .git out")
        tmp = tempfile.mkdtemp(prefix="coopsync-ctx-")
        try:
            ctx = os.path.join(tmp, "src")
            for dirpath, dirs, files in os.walk(SOURCE):
                rel_dir = os.path.relpath(dirpath, SOURCE)
                rel_dir = "" if rel_dir == "." else rel_dir
                dirs[:] = [d for d in dirs if not ignored(os.path.join(rel_dir, d))]
                for name in files:
                    rel = os.path.join(rel_dir, name)
                    if ignored(rel):
                        continue
                    os.makedirs(os.path.join(ctx, rel_dir), exist_ok=True)
                    shutil.copy2(os.path.join(SOURCE, rel), os.path.join(ctx, rel))
            gen = ["-G", "Ninja"] if shutil.which("ninja") else []
            p = subprocess.run(["cmake", "-S", ctx, "-B", os.path.join(tmp, "b")] + gen +
                               ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCOOPSYNC_TESTS=OFF"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stdout[-3000:])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class SystemdUnit(unittest.TestCase):
    REQUIRED = {
        "DynamicUser": "yes", "StateDirectory": "coopsync", "ProtectSystem": "strict",
        "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter": "@system-service", "ExecReload": "/bin/kill -HUP $MAINPID",
        "Restart": "on-failure",
    }

    def parse(self):
        sections, current = {}, None
        for n, raw in enumerate(read("scripts/coopsync.service").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#") or line.startswith(";"):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1], {})
                continue
            self.assertIsNotNone(current, "line %d outside a section" % n)
            self.assertIn("=", line, "line %d is not key=value: %s" % (n, raw))
            key, value = line.split("=", 1)
            current.setdefault(key.strip(), []).append(value.strip())
        return sections

    def test_hardening_and_shape(self):
        s = self.parse()
        self.assertEqual(set(s), {"Unit", "Service", "Install"})
        svc = s["Service"]
        for key, value in self.REQUIRED.items():
            self.assertIn(value, svc.get(key, []), "%s=%s" % (key, value))
        self.assertTrue(svc["EnvironmentFile"], "secrets from an EnvironmentFile")
        self.assertRegex(svc["ExecStart"][0], r"coopsync daemon --config /etc/coopsync/coopsync\.yaml$")
        self.assertEqual(s["Install"]["WantedBy"], ["multi-user.target"])

    @unittest.skipUnless(shutil.which("systemd-analyze") and os.access(BINARY, os.X_OK),
                         "needs systemd-analyze and the binary")
    def test_systemd_analyze_verify_is_silent(self):
        tmp = tempfile.mkdtemp(prefix="coopsync-unit-")
        try:
            unit = os.path.join(tmp, "coopsync.service")
            with open(unit, "w", encoding="utf-8") as f:   # the installed path -> this build
                f.write(read("scripts/coopsync.service").replace("/usr/local/bin/coopsync",
                                                                 os.path.abspath(BINARY)))
            p = subprocess.run(["systemd-analyze", "verify", unit], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=120)
            about_us = [l for l in p.stdout.splitlines() if "coopsync" in l]
            self.assertEqual((p.returncode, about_us), (0, []), p.stdout)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ExampleConfig(unittest.TestCase):
    @unittest.skipUnless(os.access(BINARY, os.X_OK), "needs the binary")
    def test_every_connector_key_is_documented(self):
        text = read("config/example.yaml")
        listed = subprocess.run([BINARY, "connectors", "list"], stdout=subprocess.PIPE, text=True,
                                check=True).stdout
        types = [l.split("\t")[0] for l in listed.splitlines() if l.strip()]
        self.assertEqual(sorted(types), ["matrix", "mobilizon", "nextcloud", "odoo"])
        undocumented = []
        for t in types:
            spec = subprocess.run([BINARY, "connectors", "describe", t], stdout=subprocess.PIPE,
                                  text=True, check=True).stdout
            for line in spec.splitlines()[1:]:
                m = re.match(r"\s+([A-Za-z_][A-Za-z0-9_]*):", line)
                if not m:
                    continue
                key = m.group(1)
                if not re.search(r"(?m)^[ \t]*(#[ \t]*)?(- )?%s:" % re.escape(key), text):
                    undocumented.append("%s.%s" % (t, key))
        self.assertEqual(undocumented, [], "keys config/example.yaml does not mention")


if __name__ == "__main__":
    unittest.main()
