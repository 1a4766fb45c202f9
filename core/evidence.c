#include "config.h"
#include "evidence.h"
