#include "spec/config.hpp"
