/* contact_types.c - the contact types modules declare: lookups, messages and the table's sync */
#include "core/contact_types.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/db/db.h"
#include "core_contact_types_sql.h"

static struct {
    const crm_contact_type_t *types[CRM_CONTACT_TYPES_MAX];
    const char *names[CRM_CONTACT_TYPES_MAX + 1];
    size_t n;
    char text[1024]; /* "lead or customer", and the modules' */
    char err[256];   /* why the declarations were refused, or "" */
} crm_ctypes;

static pthread_once_t crm_ctypes_once = PTHREAD_ONCE_INIT;

static const crm_contact_type_t *
crm_ctypes_find(const char *name)
{
    for (size_t i = 0; name && i < crm_ctypes.n; i++)
        if (strcmp(crm_ctypes.types[i]->name, name) == 0)
            return crm_ctypes.types[i];
    return NULL;
}

/* snake_case, as contacts.type and the contact_types table take it */
static bool
crm_ctype_word(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 63 || s[0] < 'a' || s[0] > 'z')
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int
crm_ctypes_add(const crm_module_t *m, const crm_contact_type_t *t)
{
    if (!crm_ctype_word(t->name) || !crm_ctype_word(t->plural)) {
        snprintf(crm_ctypes.err, sizeof(crm_ctypes.err),
                 "module %s: contact type %s needs a snake_case name and plural", m->name, t->name);
        return -1;
    }
    if (crm_ctypes_find(t->name)) {
        snprintf(crm_ctypes.err, sizeof(crm_ctypes.err),
                 "module %s: contact type %s is declared twice", m->name, t->name);
        return -1;
    }
    if (crm_ctypes.n == CRM_CONTACT_TYPES_MAX) {
        snprintf(crm_ctypes.err, sizeof(crm_ctypes.err), "module %s: more than %d contact types",
                 m->name, CRM_CONTACT_TYPES_MAX);
        return -1;
    }
    crm_ctypes.types[crm_ctypes.n] = t;
    crm_ctypes.names[crm_ctypes.n++] = t->name;
    return 0;
}

static void
crm_ctypes_build(void)
{
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        for (const crm_contact_type_t *t = (*m)->contact_types; t && t->name; t++) {
            if (crm_ctypes_add(*m, t) != 0) {
                crm_ctypes.n = 0;
                crm_ctypes.names[0] = NULL;
                return;
            }
        }
    }
    crm_ctypes.names[crm_ctypes.n] = NULL;
    size_t off = 0;
    for (size_t i = 0; i < crm_ctypes.n && off < sizeof(crm_ctypes.text); i++)
        off += (size_t)snprintf(crm_ctypes.text + off, sizeof(crm_ctypes.text) - off, "%s%s",
                                i == 0                  ? ""
                                : i + 1 == crm_ctypes.n ? " or "
                                                        : ", ",
                                crm_ctypes.names[i]);
}

int
crm_contact_types_load(char *err, size_t errlen)
{
    pthread_once(&crm_ctypes_once, crm_ctypes_build);
    if (!crm_ctypes.err[0])
        return 0;
    snprintf(err, errlen, "%s", crm_ctypes.err);
    return -1;
}

static void
crm_ctypes_ready(void)
{
    pthread_once(&crm_ctypes_once, crm_ctypes_build);
}

const crm_contact_type_t *
crm_contact_type_find(const char *name)
{
    crm_ctypes_ready();
    return crm_ctypes_find(name);
}

const char *const *
crm_contact_type_names(void)
{
    crm_ctypes_ready();
    return crm_ctypes.names;
}

const char *
crm_contact_types_text(void)
{
    crm_ctypes_ready();
    return crm_ctypes.text;
}

size_t
crm_contact_type_count(void)
{
    crm_ctypes_ready();
    return crm_ctypes.n;
}

const crm_contact_type_t *
crm_contact_type_at(size_t i)
{
    crm_ctypes_ready();
    return i < crm_ctypes.n ? crm_ctypes.types[i] : NULL;
}

int
crm_contact_types_sync(PGconn *conn, char *err, size_t errlen)
{
    if (crm_contact_types_load(err, errlen) != 0)
        return -1;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        for (const crm_contact_type_t *t = (*m)->contact_types; t && t->name; t++) {
            const char *p[] = {t->name, (*m)->name, t->plural, t->sensitive ? "t" : "f",
                               t->sticky ? "t" : "f"};
            if (crm_db_exec(conn, crm_sql_contact_types_sync.sql,
                            CRM_SQL_NPARAMS(crm_sql_contact_types_sync, CRM_COUNT(p)), p,
                            "syncing contact types", err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}
