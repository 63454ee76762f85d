/* log.h - structured logging: one JSON object per line on stderr */
#ifndef CRM_CORE_LOG_H
#define CRM_CORE_LOG_H

#include <stdint.h>

#include "core/util/arena.h"
#include "core/util/config.h"

void crm_log_set_level(crm_log_level_t level);
int crm_log_enabled(crm_log_level_t level);
void crm_log(crm_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the access-log line of one finished request, built in the request's arena.
 * tenant_id/user_id may be NULL. */
void crm_log_access(crm_arena_t *a, const char *method, const char *route, int status,
                    uint64_t duration_us, const char *request_id, const char *tenant_id,
                    const char *user_id);

/* RFC 3339 UTC time with microseconds into out (at least 32 bytes). */
void crm_log_time(char *out, size_t len);

#define crm_debug(...) crm_log(CRM_LOG_DEBUG, __VA_ARGS__)
#define crm_info(...)  crm_log(CRM_LOG_INFO, __VA_ARGS__)
#define crm_warn(...)  crm_log(CRM_LOG_WARN, __VA_ARGS__)
#define crm_error(...) crm_log(CRM_LOG_ERROR, __VA_ARGS__)

#endif
