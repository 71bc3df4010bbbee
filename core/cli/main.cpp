// coopsync: the one binary (operator commands and the daemon). The commands live in
// core/cli/commands.cpp; main only turns start-up failures into documented exit codes.
#include "core/cli/commands.hpp"

int main(int argc, char** argv) { return coopsync::cli::run(argc, argv); }
