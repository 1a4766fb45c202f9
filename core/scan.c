#include "config.h"
#include "scan.h"
