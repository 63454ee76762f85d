/* module.h - the interface through which the core knows an industry module (and itself) */
#ifndef CRM_CORE_MODULE_H
#define CRM_CORE_MODULE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/db/migrate.h"
#include "core/util/config.h"
#include "core/http/router.h"

typedef struct crm_permission {
    const char *name; /* "estate.offers.read": the module's name is its namespace */
    const char *description;
    /* the roles holding it besides Admin (who holds every one), by name, separated by spaces:
     * the module's own roles and those of the modules before it ("sales viewer"), or NULL */
    const char *roles;
} crm_permission_t;

/* A role a module brings ("agent"). Its name is what tokens and users.role carry. */
typedef struct crm_role_def {
    const char *name;
    const char *description;
    /* permissions of other modules it holds too, separated by spaces ("contacts.read"), or
     * NULL; its own module's permissions name it in their roles instead */
    const char *grants;
} crm_role_def_t;

/* A contact type a module brings ("buyer"): what contacts.type holds. The crm module declares
 * lead and customer. Lists end with {NULL}. */
typedef struct crm_contact_type {
    const char *name;
    /* its plural ("buyers"): the key under which an audited page lists the subjects of this
     * type it showed (changes.buyers) */
    const char *plural;
    /* a subject: such a contact's record is personal in the module's sense, so that reading it
     * is audited, with the contact as the audit row's subject_id, and every page showing it */
    bool sensitive;
    /* once a contact has this type a change to another is refused; merges and CSV imports
     * keep it */
    bool sticky;
} crm_contact_type_t;

struct crm_stmt;
struct crm_tx;

/* A module's part in what the core does to a contact. Each hook is a statement that runs in
 * the core's own transaction (the same round trip), so a module adds no trips and cannot be
 * left half-done; NULL when the module has nothing to add. Every statement checks by itself
 * whether the tenant has the module enabled (tenant_modules). */
typedef struct crm_contact_hooks {
    /* $1 contact, $2/$3 the cursor (occurred_at, id; NULL for the first page), $4 how many:
     * rows of (occurred_at as UTC text, id, kind, summary JSON), newest first. */
    const struct crm_stmt *timeline;
    /* $1 contact: one row, one column, the module's records as a JSON value. */
    const struct crm_stmt *export_records;
    /* $1 survivor, $2 source: moves the module's records to the survivor. */
    const struct crm_stmt *merge;
    /* $1 contact: removes personal data, or refuses with RAISE EXCEPTION (SQLSTATE P0001)
     * whose message says why (a record the law requires to keep). */
    const struct crm_stmt *erase;
} crm_contact_hooks_t;

/* A module's fields of a user (say, an estate agency's is_agent): booleans in the user's body,
 * accepted when a user is created or changed and shown wherever a user is, kept in the
 * module's own tables. */
typedef struct crm_user_hooks {
    const char *const *fields; /* NULL-terminated body field names, each a boolean */
    /* $1 the user, then one parameter per field ('t', 'f', or NULL when not given): writes
     * them in the core's own transaction, after the core's statement that wrote the user row;
     * it must write nothing unless that statement did: the user's updated_at is the
     * transaction's now(), read once where the statement runs (on a Citus cluster a worker's
     * now() is later); a version check that failed leaves the row, and the module's part, as
     * they were */
    const struct crm_stmt *write;
    /* $1 the users (uuid[]): rows of (id, JSON object of the fields) */
    const struct crm_stmt *read;
} crm_user_hooks_t;

/* A column whose values only some roles may read (a module's private notes, say): the audit
 * API shows them as the label to roles without the permission; the log keeps them. Lists end
 * with {NULL}. */
typedef struct crm_sensitive_column {
    const char *table;      /* the audit log's entity_type: the module's table */
    const char *column;     /* its column */
    const char *permission; /* the module's permission that reads it */
    const char *label;      /* shown instead of the value, as a JSON string literal */
} crm_sensitive_column_t;

/* A kind of message a module sends ("deal.won_thanks", the topic of its outbox rows): the
 * variables its templates may use and the wording it ships (en-GB), which a tenant may replace
 * per channel (message_templates). Lists end with {NULL}. */
typedef struct crm_message_kind {
    const char *name;
    const char *description;
    const char *const *variables; /* "contact.first_name", ...; NULL-terminated */
    const char *sms;              /* the default SMS text; NULL: never sent by SMS */
    const char *email_subject;    /* the default email; NULL: never sent by email */
    const char *email_text;
    const char *email_html;
    /* $1 one tenant's outbox ids of this kind (uuid[]), run by the delivery worker in the
     * transaction that claimed them, under the tenant's identity: rows of (id, context JSON,
     * reason). The context holds the variables' values as nested objects ({"contact":
     * {"first_name": ...}}) and "to", the recipient's address on the row's channel; reason, when
     * not NULL, says why the message no longer applies (the record changed, consent was withdrawn),
     * and the row is cancelled with it. */
    const struct crm_stmt *context;
    /* A context as the statement gives, as JSON text: what a preview without a record shows. */
    const char *sample;
    /* optional: the iCalendar text to attach to the email (method "REQUEST" or "CANCEL"), made
     * from the context into out (heap-allocated, freed by the caller); 0, or -1 for none */
    int (*invitation)(const json_t *context, char **out, const char **method);
    /* sent only where the tenant switched it on (settings.messages_enabled[name] is true);
     * false: sent unless the tenant switched it off */
    bool off_by_default;
    /* optional: what a reply to a message of this kind does to the record it was about
     * (docs/messaging.md, Replies). Queues on tx (the core's transaction, under the tenant's
     * identity) what confirms or cancels it, and returns the index of the statement answering
     * one row (outcome, answer): outcome "confirmed", "cancelled", "too_late" (a cancellation
     * inside the tenant's notice) or "not_applicable" (nothing to confirm or cancel); answer
     * the text to send back, or NULL. outbox_id is the message replied to, action "confirm" or
     * "cancel", notice_hours the tenant's cancellation notice in hours. NULL: replies to it
     * only reach the inbox. */
    int (*reply)(struct crm_tx *tx, const char *outbox_id, const char *action,
                 const char *notice_hours);
    /* optional: $1 the id of a record a message of this kind is about (what its outbox rows'
     * subject_id names), run in a request's transaction under the tenant's identity: one row,
     * its first column the context JSON as the context statement gives it ("to" null); no
     * row when the tenant has no such record or the caller may not see whose it is. It records
     * the read in the audit log as reading the record itself would. What a preview of a
     * template with that record shows (POST /api/v1/message-templates/{kind}/{channel}/preview).
     */
    const struct crm_stmt *preview_context;
} crm_message_kind_t;
/* The column of a preview_context statement holding the context (a module states it with
 * CRM_SQL_COLUMN_AT). */
enum { CRM_MESSAGE_PREVIEW_CONTEXT = 0 };

typedef struct crm_module {
    const char *name;                    /* "estate": also its config and permission namespace */
    const char *description;             /* one line, for GET /api/v1/modules */
    const crm_route_t *routes;           /* ends with a row whose handler is NULL; may be NULL */
    const crm_migration_t *migrations;   /* its own numbered SQL, tracked per (module, version) */
    const crm_permission_t *permissions; /* ends with {NULL}; may be NULL */
    const crm_role_def_t *roles;         /* ends with {NULL}; may be NULL */
    const char *openapi;                 /* its fragment of the OpenAPI document (JSON), or NULL */
    /* optional: runs once at start-up with the server's configuration, 0 on success */
    int (*init)(const crm_config_t *c);
    const char *demo_seed;       /* optional: SQL `crm dev` runs after the core's */
    crm_contact_hooks_t contact; /* optional: its part in timeline, export, merge, erase */
    crm_user_hooks_t user;       /* optional: its fields of a user */
    const crm_sensitive_column_t *sensitive; /* optional: columns to mask in the audit API */
    const crm_contact_type_t *contact_types; /* optional: its contact types, ending {NULL} */
    /* optional: writes an error reply (status, detail, r->errors) in the format a standard
     * requires, for its routes flagged CRM_ROUTE_OWN_ERRORS (e.g. a standard's own error resource)
     */
    void (*reply_error)(struct crm_req *r, int status, const char *detail);
    const crm_message_kind_t *message_kinds; /* optional: what it sends, ending {NULL} */
} crm_module_t;

/* The compiled-in modules, core first, NULL-terminated (src/modules/registry.c). */
extern const crm_module_t *const crm_modules[];

/* Adds the system routes and every module's routes to rt; -1 with a message on a bad row. */
int crm_modules_build_router(crm_router_t *rt, char *err, size_t errlen);
/* The module serving the route with this router index (NULL for system and core routes). */
const crm_module_t *crm_module_of_route(size_t route_index);
/* The industry module (not the core) a permission belongs to, by its namespace; or NULL. */
const crm_module_t *crm_module_of_permission(const char *permission);
void crm_modules_free(void);
/* The message kind of that name, of any module; NULL when none declares it. */
const crm_message_kind_t *crm_message_kind_find(const char *name);

/* Checks the modules' contact types (crm_contact_types_load), then runs every module's init
 * with c; -1 with a message naming the module that failed. */
int crm_modules_init(const crm_config_t *c, char *err, size_t errlen);

#endif
