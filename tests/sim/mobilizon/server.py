#!/usr/bin/python3
"""Mobilizon simulator entry point with the same command line as every other simulator
(tests/sim/<name>/server.py). The simulator itself is server.js (Node + graphql-js, the
reference GraphQL implementation, from Debian's node-graphql): this wrapper replaces itself
with it, so the process id, signals and the `LISTENING <port>` line are Node's."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        sys.stderr.write("mobilizon simulator: node is not installed (scripts/packages/mobilizon.txt)\n")
        sys.exit(2)
    os.execv(node, [node, os.path.join(HERE, "server.js")] + sys.argv[1:])


if __name__ == "__main__":
    main()
