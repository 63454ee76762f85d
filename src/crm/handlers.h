/* handlers.h - the route handlers of the core CRM module, listed in its route table (module.c) */
#ifndef CRM_CRM_HANDLERS_H
#define CRM_CRM_HANDLERS_H

#include "core/http/request.h"

/* auth_routes.c */
void crm_auth_routes_init(long refresh_ttl_s);
void crm_auth_login(crm_req_t *r);
void crm_auth_refresh(crm_req_t *r);
void crm_auth_logout(crm_req_t *r);
void crm_auth_me(crm_req_t *r);
void crm_auth_roles(crm_req_t *r);

/* users.c */
void crm_users_list(crm_req_t *r);
void crm_users_create(crm_req_t *r);
void crm_users_get(crm_req_t *r);
void crm_users_patch(crm_req_t *r);
void crm_users_delete(crm_req_t *r);

/* contacts.c */
void crm_contacts_list(crm_req_t *r);
void crm_contacts_create(crm_req_t *r);
void crm_contacts_get(crm_req_t *r);
void crm_contacts_history(crm_req_t *r);
void crm_audit_list(crm_req_t *r);
void crm_audit_export(crm_req_t *r);
void crm_audit_verify(crm_req_t *r);
void crm_audit_checkpoint(crm_req_t *r);
void crm_contacts_patch(crm_req_t *r);
void crm_contacts_delete(crm_req_t *r);
void crm_contacts_restore(crm_req_t *r);

/* pipelines.c */
void crm_pipelines_list(crm_req_t *r);
void crm_pipelines_create(crm_req_t *r);
void crm_pipelines_get(crm_req_t *r);

/* deals.c */
void crm_deals_list(crm_req_t *r);
void crm_deals_create(crm_req_t *r);
void crm_deals_get(crm_req_t *r);
void crm_deals_patch(crm_req_t *r);
void crm_deals_delete(crm_req_t *r);
void crm_deals_restore(crm_req_t *r);
void crm_deals_summary(crm_req_t *r);

/* activities.c */
void crm_activities_list(crm_req_t *r);
void crm_activities_create(crm_req_t *r);
void crm_activities_get(crm_req_t *r);
void crm_activities_patch(crm_req_t *r);
void crm_activities_delete(crm_req_t *r);
void crm_activities_restore(crm_req_t *r);

/* contact_360.c */
void crm_contacts_timeline(crm_req_t *r);
void crm_contacts_export(crm_req_t *r);
void crm_contacts_erase(crm_req_t *r);
void crm_contacts_merge(crm_req_t *r);

/* contacts_csv.c, contacts_import.c */
void crm_contacts_export_csv(crm_req_t *r);
void crm_contacts_import(crm_req_t *r);

/* modules_api.c */
void crm_modules_list(crm_req_t *r);
void crm_modules_put(crm_req_t *r);

/* search.c */
void crm_search(crm_req_t *r);

/* custom_fields.c */
void crm_custom_fields_list(crm_req_t *r);
void crm_custom_fields_create(crm_req_t *r);
void crm_custom_fields_delete(crm_req_t *r);

/* settings.c */
void crm_settings_get(crm_req_t *r);
void crm_settings_patch(crm_req_t *r);

/* messages.c */
void crm_messages_list(crm_req_t *r);

/* sms_webhooks.c: Twilio's delivery reports and the replies it forwards (public, signed) */
void crm_sms_webhooks_init(const char *auth_token);
void crm_webhook_twilio_status(crm_req_t *r);
void crm_webhook_twilio_inbound(crm_req_t *r);

/* inbox.c */
void crm_inbox_list(crm_req_t *r);
void crm_inbox_patch(crm_req_t *r);

/* message_templates.c, message_preview.c */
void crm_message_templates_list(crm_req_t *r);
void crm_message_templates_get(crm_req_t *r);
void crm_message_templates_put(crm_req_t *r);
void crm_message_templates_delete(crm_req_t *r);
void crm_message_templates_preview(crm_req_t *r);

/* tenants.c: the platform API (and the CLI, through the same functions) */
void crm_tenants_create(crm_req_t *r);
void crm_tenants_list(crm_req_t *r);
void crm_tenants_get(crm_req_t *r);
void crm_tenants_patch(crm_req_t *r);

#endif
