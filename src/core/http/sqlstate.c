/* sqlstate.c - maps PostgreSQL SQLSTATE codes to HTTP statuses, in one table */
#include "core/http/sqlstate.h"

#include <string.h>

static const crm_sqlstate_map_t crm_sqlstates[] = {
    /* exact codes */
    {"23505", 409, "the record conflicts with an existing one"},
    {"23P01", 409, "the record conflicts with an existing one"},
    {"23503", 422, "the record refers to something that does not exist"},
    {"23502", 422, "a required value is missing"},
    {"23514", 422, "a value is not allowed"},
    {"40001", 503, "the database could not serialise this request; retry it"},
    {"40P01", 503, "the database detected a deadlock; retry the request"},
    {"42501", 403, "the database refused access"},
    {"55P03", 503, "the record is locked by another request; retry it"},
    {"57014", 503, "the database took too long to answer"},
    {"P0002", 404, "not found"},
    /* classes */
    {"08", 503, "the database is unavailable"},
    {"22", 422, "a value is not valid"},
    {"23", 409, "the request conflicts with the stored data"},
    {"53", 503, "the database is out of resources"},
    {"57", 503, "the database is unavailable"},
    {"58", 503, "the database is unavailable"},
};

static const crm_sqlstate_map_t crm_sqlstate_unknown = {"", 500, "the database reported an error"};
static const crm_sqlstate_map_t crm_sqlstate_gone = {"", 503, "the database is unavailable"};

const crm_sqlstate_map_t *
crm_sqlstate_lookup(const char *code)
{
    if (!code || strlen(code) != 5)
        return &crm_sqlstate_gone;
    const crm_sqlstate_map_t *class_row = NULL;
    for (size_t i = 0; i < sizeof(crm_sqlstates) / sizeof(crm_sqlstates[0]); i++) {
        const crm_sqlstate_map_t *m = &crm_sqlstates[i];
        size_t n = strlen(m->code);
        if (n == 5 && memcmp(m->code, code, 5) == 0)
            return m;
        if (n == 2 && !class_row && memcmp(m->code, code, 2) == 0)
            class_row = m;
    }
    return class_row ? class_row : &crm_sqlstate_unknown;
}
