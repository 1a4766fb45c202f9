#include "config.h"
#include "ports.h"
