/* log.c - structured logging: one JSON object per line, written with a single write(2) */
#include "core/util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util/arena.h"
#include "core/util/buf.h"

static atomic_int crm_log_level = CRM_LOG_INFO;

void
crm_log_set_level(crm_log_level_t level)
{
    atomic_store(&crm_log_level, (int)level);
}

int
crm_log_enabled(crm_log_level_t level)
{
    return (int)level >= atomic_load(&crm_log_level);
}

void
crm_log_time(char *out, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%06ldZ", base, ts.tv_nsec / 1000);
}

static void
crm_log_write(crm_buf_t *b)
{
    crm_buf_puts(b, "}\n");
    const char *p = b->data;
    size_t left = b->len;
    while (left > 0) {
        ssize_t n = write(STDERR_FILENO, p, left);
        if (n <= 0)
            return;
        p += n;
        left -= (size_t)n;
    }
}

static void
crm_log_head(crm_buf_t *b, crm_log_level_t level)
{
    char ts[40];
    crm_log_time(ts, sizeof(ts));
    crm_buf_printf(b, "{\"time\":\"%s\",\"level\":\"%s\"", ts, crm_log_level_name(level));
}

void
crm_log(crm_log_level_t level, const char *fmt, ...)
{
    if (!crm_log_enabled(level))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    crm_arena_t *a = crm_arena_create(4096);
    crm_buf_t b;
    crm_buf_init(&b, a, 2048);
    crm_log_head(&b, level);
    crm_buf_puts(&b, ",\"msg\":");
    crm_buf_json_string(&b, msg);
    crm_log_write(&b);
    crm_arena_destroy(a);
}

void
crm_log_access(crm_arena_t *a, const char *method, const char *route, int status,
               uint64_t duration_us, const char *request_id, const char *tenant_id,
               const char *user_id)
{
    if (!crm_log_enabled(CRM_LOG_INFO))
        return;
    crm_buf_t b;
    crm_buf_init(&b, a, 512);
    crm_log_head(&b, CRM_LOG_INFO);
    crm_buf_puts(&b, ",\"type\":\"access\",\"method\":");
    crm_buf_json_string(&b, method);
    crm_buf_puts(&b, ",\"route\":");
    crm_buf_json_string(&b, route);
    crm_buf_printf(&b, ",\"status\":%d,\"duration_us\":%llu,\"request_id\":", status,
                   (unsigned long long)duration_us);
    crm_buf_json_string(&b, request_id);
    if (tenant_id) {
        crm_buf_puts(&b, ",\"tenant_id\":");
        crm_buf_json_string(&b, tenant_id);
    }
    if (user_id) {
        crm_buf_puts(&b, ",\"user_id\":");
        crm_buf_json_string(&b, user_id);
    }
    crm_log_write(&b);
}
