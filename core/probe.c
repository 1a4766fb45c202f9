#include "config.h"
#include "probe.h"
