#include "CFlagThread.h"

_Thread_local flagc_thread_telemetry flagc_thread_telemetry_state;
