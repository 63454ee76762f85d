/* dev.h - `crm dev`: a private PostgreSQL cluster, migrations, demo data, then serve */
#ifndef CRM_CORE_DEV_H
#define CRM_CORE_DEV_H

#include "core/util/config.h"

/* Starts (or reuses) the cluster under config->dev_dir, migrates, seeds, serves until
 * SIGINT/SIGTERM, then stops the cluster if it started it. Returns the exit status. */
int crm_dev_run(crm_config_t *config);

#endif
