/* sqlstate.h - maps PostgreSQL SQLSTATE codes to HTTP statuses, in one table */
#ifndef CRM_CORE_SQLSTATE_H
#define CRM_CORE_SQLSTATE_H

typedef struct crm_sqlstate_map {
    const char *code; /* five characters, or a two-character class */
    int status;
    const char *detail; /* safe to show a client: no SQL, no table internals */
} crm_sqlstate_map_t;

/* The row for a SQLSTATE: an exact code beats its class; unknown codes map to 500.
 * A NULL or empty code (no server answer: the connection is gone) maps to 503. */
const crm_sqlstate_map_t *crm_sqlstate_lookup(const char *sqlstate);

#endif
