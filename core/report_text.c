#include "config.h"
#include "report_text.h"
