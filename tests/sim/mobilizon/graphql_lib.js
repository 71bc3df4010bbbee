// Loads graphql-js, the reference GraphQL implementation. Debian's node-graphql (16.6)
// installs it under /usr/share/nodejs, which Node does not search by default; an npm copy
// on NODE_PATH wins when present.
"use strict";

function load() {
  try {
    return require("graphql");
  } catch (e) {
    return require("/usr/share/nodejs/graphql");
  }
}

module.exports = load();
