/* openapi.c - the OpenAPI 3.1 document: the core's base merged with every module's fragment */
#include "core/http/openapi.h"

#include <ctype.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/auth/rbac.h"
#include "core/contact_types.h"
#include "core/module.h"
#include "core/http/system_routes.h"
#include "crm_build.h"

extern const char crm_core_asset_openapi[];

static struct {
    json_t *doc;
    char *text;
    size_t len;
    char etag[24];
} crm_oa;

/* Adds the fragment's paths and components to doc, refusing anything defined twice. */
static int
crm_openapi_merge(json_t *doc, json_t *frag, const char *module, char *err, size_t errlen)
{
    const char *key;
    json_t *value;
    json_t *paths = json_object_get(doc, "paths");
    json_object_foreach(json_object_get(frag, "paths"), key, value)
    {
        json_t *have = json_object_get(paths, key);
        if (!have) {
            json_object_set(paths, key, value);
            continue;
        }
        const char *op;
        json_t *body;
        json_object_foreach(value, op, body)
        {
            if (json_object_get(have, op)) {
                snprintf(err, errlen, "OpenAPI of %s: %s %s is documented twice", module, op, key);
                return -1;
            }
            json_object_set(have, op, body);
        }
    }
    json_t *components = json_object_get(doc, "components");
    const char *section;
    json_t *entries;
    json_object_foreach(json_object_get(frag, "components"), section, entries)
    {
        json_t *have = json_object_get(components, section);
        if (!have) {
            json_object_set(components, section, entries);
            continue;
        }
        json_object_foreach(entries, key, value)
        {
            if (json_object_get(have, key)) {
                snprintf(err, errlen, "OpenAPI of %s: components.%s.%s is defined twice", module,
                         section, key);
                return -1;
            }
            json_object_set(have, key, value);
        }
    }
    json_t *tags = json_object_get(frag, "tags");
    if (json_is_array(tags))
        json_array_extend(json_object_get(doc, "tags"), tags);
    return 0;
}

/* Writes each route's permission into its operation as x-permission, and the query parameters
 * it declares as x-query, so the document shows (and tests can read) who may call what, and
 * with which parameters, straight from the route tables. */
static void
crm_openapi_annotate(json_t *doc, const crm_route_t *routes)
{
    json_t *paths = json_object_get(doc, "paths");
    for (const crm_route_t *r = routes; r && r->handler; r++) {
        char lower[8];
        size_t k = 0;
        for (; r->method[k] && k < sizeof(lower) - 1; k++)
            lower[k] = (char)tolower((unsigned char)r->method[k]);
        lower[k] = '\0';
        json_t *op = json_object_get(json_object_get(paths, r->path), lower);
        if (!op)
            continue;
        json_object_set_new(op, "x-permission", json_string(r->permission));
        json_t *query = json_array();
        for (const char *const *q = r->query; q && *q; q++)
            json_array_append_new(query, json_string(*q));
        json_object_set_new(op, "x-query", query);
    }
}

/* The role names are declared by modules: RoleName's enum lists them all, in order. */
static void
crm_openapi_roles(json_t *doc)
{
    json_t *schema =
        json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), "RoleName");
    if (!schema)
        return;
    json_t *names = json_array();
    for (int i = 0; i < crm_role_count(); i++)
        json_array_append_new(names, json_string(crm_role_name(i)));
    json_object_set_new(schema, "enum", names);
}

/* The modules' user fields (booleans) in the schemas of a user's body: shown (required) in
 * Me and User, accepted in UserCreate (false when not given) and UserPatch. */
static void
crm_openapi_user_fields(json_t *doc)
{
    static const char *const shown[] = {"Me", "User"}, *const taken[] = {"UserCreate", "UserPatch"};
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        for (size_t k = 0; (*m)->user.fields && (*m)->user.fields[k]; k++) {
            const char *field = (*m)->user.fields[k];
            char about[96];
            snprintf(about, sizeof(about), "a field of the %s module", (*m)->name);
            for (size_t i = 0; i < 2; i++) {
                json_t *s = json_object_get(schemas, shown[i]);
                json_object_set_new(json_object_get(s, "properties"), field,
                                    json_pack("{ss ss}", "type", "boolean", "description", about));
                json_array_append_new(json_object_get(s, "required"), json_string(field));
                s = json_object_get(schemas, taken[i]);
                json_t *prop = json_pack("{ss ss}", "type", "boolean", "description", about);
                if (i == 0)
                    json_object_set_new(prop, "default", json_false());
                json_object_set_new(json_object_get(s, "properties"), field, prop);
            }
        }
    }
}

/* So are the contact types: ContactType's enum lists them all, in order. */
static void
crm_openapi_contact_types(json_t *doc)
{
    json_t *schema = json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                                     "ContactType");
    if (!schema)
        return;
    json_t *names = json_array();
    for (size_t i = 0; i < crm_contact_type_count(); i++)
        json_array_append_new(names, json_string(crm_contact_type_at(i)->name));
    json_object_set_new(schema, "enum", names);
}

int
crm_openapi_build(char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_loads(crm_core_asset_openapi, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "OpenAPI base document: line %d: %s", je.line, je.text);
        return -1;
    }
    json_object_set_new(json_object_get(doc, "info"), "version", json_string(CRM_VERSION));
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        if (!(*m)->openapi)
            continue;
        json_t *frag = json_loads((*m)->openapi, JSON_REJECT_DUPLICATES, &je);
        if (!frag) {
            snprintf(err, errlen, "OpenAPI of %s: line %d: %s", (*m)->name, je.line, je.text);
            json_decref(doc);
            return -1;
        }
        int rc = crm_openapi_merge(doc, frag, (*m)->name, err, errlen);
        json_decref(frag);
        if (rc != 0) {
            json_decref(doc);
            return -1;
        }
    }
    crm_openapi_roles(doc);
    crm_openapi_user_fields(doc);
    crm_openapi_contact_types(doc);
    crm_openapi_annotate(doc, crm_system_routes);
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        crm_openapi_annotate(doc, (*m)->routes);
    crm_oa.doc = doc;
    crm_oa.text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    crm_oa.len = strlen(crm_oa.text);
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, (const unsigned char *)crm_oa.text, crm_oa.len);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
    snprintf(crm_oa.etag, sizeof(crm_oa.etag), "\"%.16s\"", hex);
    return 0;
}

void
crm_openapi_free(void)
{
    json_decref(crm_oa.doc);
    free(crm_oa.text);
    memset(&crm_oa, 0, sizeof(crm_oa));
}

const char *
crm_openapi_text(size_t *len)
{
    *len = crm_oa.len;
    return crm_oa.text;
}

const char *
crm_openapi_etag(void)
{
    return crm_oa.etag;
}

const json_t *
crm_openapi_json(void)
{
    return crm_oa.doc;
}

static const char *const crm_oa_methods[] = {"get",     "put",  "post",  "delete",
                                             "options", "head", "patch", "trace"};

int
crm_openapi_check(const json_t *doc, const crm_router_t *rt, char *err, size_t errlen)
{
    int problems = 0;
    size_t off = 0;
    err[0] = '\0';
#define CRM_OA_REPORT(...)                                                                         \
    do {                                                                                           \
        problems++;                                                                                \
        if (off < errlen)                                                                          \
            off += (size_t)snprintf(err + off, errlen - off, __VA_ARGS__);                         \
    } while (0)
    json_t *paths = json_object_get(doc, "paths");
    for (size_t i = 0; i < crm_router_count(rt); i++) {
        const crm_route_t *r = crm_router_route(rt, i);
        char lower[8];
        size_t k = 0;
        for (; r->method[k] && k < sizeof(lower) - 1; k++)
            lower[k] = (char)tolower((unsigned char)r->method[k]);
        lower[k] = '\0';
        if (!json_object_get(json_object_get(paths, r->path), lower))
            CRM_OA_REPORT("route %s %s is not in the OpenAPI document\n", r->method, r->path);
    }
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        for (size_t k = 0; k < sizeof(crm_oa_methods) / sizeof(crm_oa_methods[0]); k++) {
            if (!json_object_get(item, crm_oa_methods[k]))
                continue;
            bool served = false;
            for (size_t i = 0; i < crm_router_count(rt) && !served; i++) {
                const crm_route_t *r = crm_router_route(rt, i);
                served =
                    strcmp(r->path, path) == 0 && strcasecmp(r->method, crm_oa_methods[k]) == 0;
            }
            if (!served)
                CRM_OA_REPORT("OpenAPI documents %s %s but no route serves it\n", crm_oa_methods[k],
                              path);
        }
    }
#undef CRM_OA_REPORT
    return problems;
}
