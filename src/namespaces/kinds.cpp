#include "spec/linux.hpp"
