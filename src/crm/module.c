/* module.c - the core CRM module: its routes, permissions, migrations and OpenAPI fragment */
#include "core/module.h"
#include "core/auth/rbac.h"
#include "core/util/log.h"
#include "crm/handlers.h"
#include "crm/user_fields.h"

extern const crm_migration_t crm_core_migrations[];
extern const char crm_module_asset_openapi[];

static const char *const crm_list_query[] = {"limit", "cursor", NULL};
/* patient_id: subject_id's first name, kept for the API's clients */
static const char *const crm_audit_query[] = {"limit",    "cursor",     "entity_type", "entity_id",
                                              "actor_id", "subject_id", "patient_id",  "action",
                                              "from",     "to",         NULL};
static const char *const crm_audit_export_query[] = {"entity_type", "entity_id",  "actor_id",
                                                     "subject_id",  "patient_id", "action",
                                                     "from",        "to",         NULL};
static const char *const crm_audit_verify_query[] = {"checkpoint", NULL};
static const char *const crm_contacts_query[] = {
    "limit", "cursor", "sort", "type", "tag", "owner_id", "created_after", "q", "deleted", NULL};
static const char *const crm_contacts_create_query[] = {"allow_duplicate", NULL};
static const char *const crm_custom_fields_query[] = {"entity", NULL};
static const char *const crm_deals_query[] = {
    "limit", "cursor", "sort", "pipeline_id", "stage_id", "status", "owner_id", "contact_id", NULL};
static const char *const crm_summary_query[] = {"pipeline_id", NULL};
static const char *const crm_page_query[] = {"limit", "cursor", NULL};
static const char *const crm_search_query[] = {"q", "limit", NULL};
static const char *const crm_export_query[] = {"type",          "tag", "owner_id",
                                               "created_after", "q",   NULL};
static const char *const crm_import_query[] = {"dry_run", "mode", "upsert_by", "mapping", NULL};
static const char *const crm_messages_query[] = {"limit", "cursor", "contact_id", "status", NULL};
static const char *const crm_inbox_query[] = {"limit", "cursor", "handled", NULL};
static const char *const crm_activities_query[] = {
    "limit",       "cursor",     "sort",      "contact_id", "deal_id", "type",
    "assigned_to", "due_before", "completed", "overdue",    NULL};

static const crm_route_t crm_core_routes[] = {
    {"POST", "/api/v1/auth/login", crm_auth_login, CRM_PERM_PUBLIC, NULL, CRM_ROUTE_JSON_BODY},
    {"POST", "/api/v1/auth/refresh", crm_auth_refresh, CRM_PERM_PUBLIC, NULL,
     CRM_ROUTE_JSON_BODY | CRM_ROUTE_BODY_OPTIONAL},
    {"POST", "/api/v1/auth/logout", crm_auth_logout, CRM_PERM_PUBLIC, NULL,
     CRM_ROUTE_JSON_BODY | CRM_ROUTE_BODY_OPTIONAL},
    {"GET", "/api/v1/me", crm_auth_me, CRM_PERM_AUTHENTICATED, NULL, 0},
    {"GET", "/api/v1/roles", crm_auth_roles, CRM_PERM_AUTHENTICATED, NULL, 0},
    {"GET", "/api/v1/users", crm_users_list, "users.manage", crm_list_query, 0},
    {"POST", "/api/v1/users", crm_users_create, "users.manage", NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/users/{id}", crm_users_get, "users.manage", NULL, 0},
    {"PATCH", "/api/v1/users/{id}", crm_users_patch, "users.manage", NULL, CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/users/{id}", crm_users_delete, "users.manage", NULL, 0},
    {"GET", "/api/v1/contacts", crm_contacts_list, "contacts.read", crm_contacts_query, 0},
    {"POST", "/api/v1/contacts", crm_contacts_create, "contacts.write", crm_contacts_create_query,
     CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/contacts/export", crm_contacts_export_csv, "contacts.export", crm_export_query,
     0},
    {"POST", "/api/v1/contacts/import", crm_contacts_import, "contacts.import", crm_import_query,
     CRM_ROUTE_CSV_BODY},
    {"GET", "/api/v1/contacts/{id}", crm_contacts_get, "contacts.read", NULL, 0},
    {"PATCH", "/api/v1/contacts/{id}", crm_contacts_patch, "contacts.write", NULL,
     CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/contacts/{id}", crm_contacts_delete, "contacts.write", NULL, 0},
    {"POST", "/api/v1/contacts/{id}/restore", crm_contacts_restore, "contacts.write", NULL, 0},
    {"GET", "/api/v1/pipelines", crm_pipelines_list, "deals.read", NULL, 0},
    {"POST", "/api/v1/pipelines", crm_pipelines_create, "deals.write", NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/pipelines/{id}", crm_pipelines_get, "deals.read", NULL, 0},
    {"GET", "/api/v1/deals", crm_deals_list, "deals.read", crm_deals_query, 0},
    {"POST", "/api/v1/deals", crm_deals_create, "deals.write", NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/deals/summary", crm_deals_summary, "deals.read", crm_summary_query, 0},
    {"GET", "/api/v1/deals/{id}", crm_deals_get, "deals.read", NULL, 0},
    {"PATCH", "/api/v1/deals/{id}", crm_deals_patch, "deals.write", NULL, CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/deals/{id}", crm_deals_delete, "deals.write", NULL, 0},
    {"POST", "/api/v1/deals/{id}/restore", crm_deals_restore, "deals.write", NULL, 0},
    {"GET", "/api/v1/activities", crm_activities_list, "activities.read", crm_activities_query, 0},
    {"POST", "/api/v1/activities", crm_activities_create, "activities.write", NULL,
     CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/activities/{id}", crm_activities_get, "activities.read", NULL, 0},
    {"PATCH", "/api/v1/activities/{id}", crm_activities_patch, "activities.write", NULL,
     CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/activities/{id}", crm_activities_delete, "activities.write", NULL, 0},
    {"POST", "/api/v1/activities/{id}/restore", crm_activities_restore, "activities.write", NULL,
     0},
    {"GET", "/api/v1/contacts/{id}/history", crm_contacts_history, "contacts.read", crm_list_query,
     0},
    {"GET", "/api/v1/audit", crm_audit_list, "audit.read", crm_audit_query, 0},
    {"GET", "/api/v1/audit/export", crm_audit_export, "audit.read", crm_audit_export_query, 0},
    {"GET", "/api/v1/audit/verify", crm_audit_verify, "audit.read", crm_audit_verify_query, 0},
    {"GET", "/api/v1/audit/checkpoint", crm_audit_checkpoint, "audit.read", NULL, 0},
    {"GET", "/api/v1/contacts/{id}/timeline", crm_contacts_timeline, "contacts.read",
     crm_page_query, 0},
    {"GET", "/api/v1/contacts/{id}/export", crm_contacts_export, "contacts.export", NULL, 0},
    {"POST", "/api/v1/contacts/{id}/erase", crm_contacts_erase, "contacts.erase", NULL, 0},
    {"POST", "/api/v1/contacts/{id}/merge", crm_contacts_merge, "contacts.write", NULL,
     CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/search", crm_search, "contacts.read", crm_search_query, 0},
    {"GET", "/api/v1/modules", crm_modules_list, CRM_PERM_AUTHENTICATED, NULL, 0},
    {"PUT", "/api/v1/modules/{name}", crm_modules_put, "settings.manage", NULL,
     CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/custom-fields", crm_custom_fields_list, CRM_PERM_AUTHENTICATED,
     crm_custom_fields_query, 0},
    {"POST", "/api/v1/custom-fields", crm_custom_fields_create, "settings.manage", NULL,
     CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/custom-fields/{id}", crm_custom_fields_delete, "settings.manage", NULL, 0},
    {"GET", "/api/v1/settings", crm_settings_get, "settings.manage", NULL, 0},
    {"PATCH", "/api/v1/settings", crm_settings_patch, "settings.manage", NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/messages", crm_messages_list, "contacts.read", crm_messages_query, 0},
    {"GET", "/api/v1/inbox", crm_inbox_list, "inbox.read", crm_inbox_query, 0},
    {"PATCH", "/api/v1/inbox/{id}", crm_inbox_patch, "inbox.manage", NULL, CRM_ROUTE_JSON_BODY},
    {"POST", "/webhooks/twilio/status", crm_webhook_twilio_status, CRM_PERM_PUBLIC, NULL, 0},
    {"POST", "/webhooks/twilio/inbound", crm_webhook_twilio_inbound, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/api/v1/message-templates", crm_message_templates_list, "settings.manage", NULL, 0},
    {"GET", "/api/v1/message-templates/{kind}/{channel}", crm_message_templates_get,
     "settings.manage", NULL, 0},
    {"PUT", "/api/v1/message-templates/{kind}/{channel}", crm_message_templates_put,
     "settings.manage", NULL, CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/message-templates/{kind}/{channel}", crm_message_templates_delete,
     "settings.manage", NULL, 0},
    {"POST", "/api/v1/message-templates/{kind}/{channel}/preview", crm_message_templates_preview,
     "settings.manage", NULL, CRM_ROUTE_JSON_BODY | CRM_ROUTE_BODY_OPTIONAL},
    {"GET", "/platform/v1/tenants", crm_tenants_list, CRM_PERM_PLATFORM, crm_list_query, 0},
    {"POST", "/platform/v1/tenants", crm_tenants_create, CRM_PERM_PLATFORM, NULL,
     CRM_ROUTE_JSON_BODY},
    {"GET", "/platform/v1/tenants/{id}", crm_tenants_get, CRM_PERM_PLATFORM, NULL, 0},
    {"PATCH", "/platform/v1/tenants/{id}", crm_tenants_patch, CRM_PERM_PLATFORM, NULL,
     CRM_ROUTE_JSON_BODY},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

static const crm_permission_t crm_core_permissions[] = {
    {"contacts.read", "read contacts of every type", "sales viewer"},
    {"contacts.write", "create, change and merge contacts", "sales"},
    {"contacts.export", "export everything held about a person (GDPR access)", NULL},
    {"contacts.erase", "erase a person's data (GDPR erasure)", NULL},
    {"contacts.import", "import contacts from CSV", "sales"},
    {"deals.read", "read deals and pipelines", "sales viewer"},
    {"deals.write", "create and move deals; manage pipelines", "sales"},
    {"activities.read", "read tasks, notes, calls, meetings and events", "sales viewer"},
    {"activities.write", "create and complete activities", "sales"},
    {"users.manage", "list, create, change and disable users", NULL},
    {"settings.manage", "tenant settings, modules and custom fields", NULL},
    {"audit.read", "read the audit log", "auditor"},
    {"messages.read", "read messages sent to contacts, with their text", NULL},
    {"inbox.read", "read the replies contacts sent (the inbox) and their text on timelines", NULL},
    {"inbox.manage", "mark replies in the inbox handled or not", NULL},
    {NULL, NULL, NULL},
};

/* The core's roles besides Admin; industry modules add theirs (and grant them the core's
 * permissions they need). */
static const crm_role_def_t crm_core_roles[] = {
    {"sales", "Contacts, deals and activities; nothing of the industry modules.", NULL},
    {"viewer", "Read-only access; no private notes.", NULL},
    {"auditor", "Reads the audit log; nothing else.", NULL},
    {NULL, NULL, NULL},
};

/* The crm module's start-up: the auth routes' refresh-token lifetime, the modules' user
 * fields checked. */
static int
crm_module_init(const crm_config_t *c)
{
    char err[256];
    if (crm_user_fields_init(err, sizeof(err)) != 0) {
        crm_error("%s", err);
        return -1;
    }
    crm_auth_routes_init(c->refresh_token_ttl_s);
    crm_sms_webhooks_init(c->twilio_auth_token);
    return 0;
}

/* The contact types every tenant has; modules add theirs. */
static const crm_contact_type_t crm_core_contact_types[] = {
    {.name = "lead", .plural = "leads"},
    {.name = "customer", .plural = "customers"},
    {NULL},
};

const crm_module_t crm_crm_module = {
    .name = "crm",
    .description = "Contacts, deals, activities, users and the rest every tenant has.",
    .routes = crm_core_routes,
    .migrations = crm_core_migrations,
    .permissions = crm_core_permissions,
    .roles = crm_core_roles,
    .contact_types = crm_core_contact_types,
    .openapi = crm_module_asset_openapi,
    .init = crm_module_init,
};
