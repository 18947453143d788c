#include "src/runtime/commands.hpp"
