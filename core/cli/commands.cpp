#include "core/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace coopsync::cli {

int run(int argc, char** argv) {
  CLI::App app{"coopsync: keeps Odoo, Nextcloud, Matrix and Mobilizon in agreement"};
  app.set_version_flag("--version", std::string("coopsync ") + COOPSYNC_VERSION);
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::cout << app.help();
  return 0;
}

}  // namespace coopsync::cli
