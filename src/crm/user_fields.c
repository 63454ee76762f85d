/* user_fields.c - the modules' fields of a user: read from bodies, written and shown with it */
#include "crm/user_fields.h"

#include <stdio.h>
#include <string.h>

#include "core/http/validate.h"
#include "core/module.h"
#include "core/util/arena.h"

/* Calls each(module, field index within the module, running index) for every declared field. */
#define CRM_EACH_USER_FIELD(m, k, n)                                                               \
    for (const crm_module_t *const *m = crm_modules; *m; m++)                                      \
        for (size_t k = 0; (*m)->user.fields && (*m)->user.fields[k]; k++, n++)

int
crm_user_fields_init(char *err, size_t errlen)
{
    size_t n = 0;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        const crm_user_hooks_t *h = &(*m)->user;
        if (h->fields && (!h->write || !h->read)) {
            snprintf(err, errlen, "module %s: user fields need both a write and a read statement",
                     (*m)->name);
            return -1;
        }
        for (size_t k = 0; h->fields && h->fields[k]; k++)
            n++;
    }
    if (n > CRM_USER_FIELDS_MAX) {
        snprintf(err, errlen, "the modules declare %zu user fields; at most %d", n,
                 CRM_USER_FIELDS_MAX);
        return -1;
    }
    return 0;
}

const char *const *
crm_user_fields_known(crm_req_t *r, const char *const *core)
{
    size_t ncore = 0, n = 0;
    while (core[ncore])
        ncore++;
    CRM_EACH_USER_FIELD(m, k, n);
    const char **all = crm_arena_alloc(r->arena, (ncore + n + 1) * sizeof(*all));
    memcpy(all, core, ncore * sizeof(*all));
    n = ncore;
    CRM_EACH_USER_FIELD(m, k, n)
    all[n] = (*m)->user.fields[k];
    all[n] = NULL;
    return all;
}

void
crm_user_fields_parse(crm_req_t *r, crm_user_fields_t *f, bool dflt_false)
{
    size_t n = 0;
    CRM_EACH_USER_FIELD(m, k, n)
    {
        const char *name = (*m)->user.fields[k];
        f->values[n] = NULL;
        if (crm_field_present(r, name))
            f->values[n] = crm_field_bool(r, name, false) ? "t" : "f";
        else if (dflt_false)
            f->values[n] = "f";
    }
}

void
crm_user_fields_write(crm_tx_t *tx, const char *id, const crm_user_fields_t *f)
{
    size_t n = 0;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        const crm_user_hooks_t *h = &(*m)->user;
        if (!h->fields)
            continue;
        const char *params[1 + CRM_USER_FIELDS_MAX] = {id};
        int np = 1;
        for (size_t k = 0; h->fields[k]; k++)
            params[np++] = f->values[n++];
        crm_tx_add(tx, h->write, np, params);
    }
}

int
crm_user_fields_read(crm_tx_t *tx, const char *ids)
{
    int first = -1;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        if (!(*m)->user.fields)
            continue;
        int i = crm_tx_add(tx, (*m)->user.read, 1, (const char *[]){ids});
        if (first < 0)
            first = i;
    }
    return first;
}

void
crm_user_fields_merge(const crm_tx_t *tx, int first, const char *id, json_t *user)
{
    if (first < 0)
        return;
    int i = first;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        if (!(*m)->user.fields)
            continue;
        PGresult *res = crm_tx_result(tx, i++);
        for (int row = 0; res && row < PQntuples(res); row++) {
            if (strcmp(PQgetvalue(res, row, CRM_USER_FIELDS_ID), id) != 0)
                continue;
            json_t *fields = json_loads(PQgetvalue(res, row, CRM_USER_FIELDS_JSON), 0, NULL);
            if (json_is_object(fields))
                json_object_update(user, fields);
            json_decref(fields);
        }
    }
}
