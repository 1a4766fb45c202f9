#include "config.h"
#include "doc.h"
