/* daemon.h - muster-sensor run: the long-running sensor on one or more interfaces. */
#ifndef MUSTER_SENSOR_DAEMON_H
#define MUSTER_SENSOR_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

/* The [sensor] section's keys (docs/config.md); other modules add their own. */
extern const struct config_key daemon_config_keys[];
extern const size_t daemon_config_nkeys;

/*
 * `muster-sensor run -c FILE [-f]`: argv[0] is "run". Returns the process
 * exit code (0 clean stop, 2 usage or configuration error, 3 runtime error).
 */
int daemon_main(int argc, char **argv);

#endif
