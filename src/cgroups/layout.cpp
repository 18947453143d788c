#include "spec/resources.hpp"
