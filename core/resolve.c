#include "config.h"
#include "resolve.h"
