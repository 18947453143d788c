#include "src/runtime/cli.hpp"

int main(int argc, char** argv) { return berth::runtime::run_cli(argc, argv); }
