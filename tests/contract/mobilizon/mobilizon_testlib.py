"""Helpers shared by the Mobilizon contract tests (not a test itself: no test_ prefix)."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "../../.."))
SIM_DIR = os.path.join(SOURCE_DIR, "tests", "sim", "mobilizon")


def fixtures_dir():
    """../shared/fixtures/mobilizon, or exit 77 (skipped) when it is absent."""
    root = os.environ.get("COOPSYNC_FIXTURES_DIR") or os.path.join(SOURCE_DIR, "..", "shared", "fixtures")
    path = os.path.join(root, "mobilizon")
    if not os.path.isfile(os.path.join(path, "schema.graphql")):
        print("SKIPPED: Mobilizon fixtures not found at %s" % path)
        sys.exit(77)
    return path


def node():
    """The node binary, or exit 77 when Node or graphql-js is missing (scripts/setup installs them)."""
    exe = shutil.which("node") or shutil.which("nodejs")
    if not exe:
        print("SKIPPED: node is not installed")
        sys.exit(77)
    if not (os.path.isdir("/usr/share/nodejs/graphql") or os.environ.get("NODE_PATH")):
        print("SKIPPED: graphql-js (Debian node-graphql) is not installed")
        sys.exit(77)
    return exe
