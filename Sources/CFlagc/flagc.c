// The C interface's declarations live in include/flagc.h; FlagRuntimeC implements them in Swift
// (`@_cdecl`). This file only gives the header's target something to compile.
#include "flagc.h"
