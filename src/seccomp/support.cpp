#include "spec/seccomp.hpp"
