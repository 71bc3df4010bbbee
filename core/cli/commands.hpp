#pragma once
namespace coopsync::cli {
// Parses the command line and runs the command. Exit codes: 0 ok, 1 sync finished with
// conflicts or dead letters, 2 usage or config error, 3 a connector unreachable or
// unauthenticated.
int run(int argc, char** argv);
}  // namespace coopsync::cli
