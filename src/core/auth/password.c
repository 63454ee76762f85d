/* password.c - argon2id password hashes (libsodium), bounded in concurrency, and password rules */
#include "core/auth/password.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1 (libsodium uses p = 1). */
#define CRM_PW_OPSLIMIT 2ULL
#define CRM_PW_MEMLIMIT (19UL * 1024 * 1024)

static sem_t crm_pw_slots;
static bool crm_pw_ready;
static char crm_pw_dummy[CRM_PASSWORD_HASH_MAX];
static pthread_once_t crm_pw_dummy_once = PTHREAD_ONCE_INIT;

/* A real hash to verify against when there is no user, so both paths cost the same. Made on
 * first use, not at start-up. */
static void
crm_pw_make_dummy(void)
{
    if (crypto_pwhash_str_alg(crm_pw_dummy, "no such user: dummy password", 28, CRM_PW_OPSLIMIT,
                              CRM_PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
        abort(); /* out of memory */
}

void
crm_password_init(long concurrency)
{
    if (crm_pw_ready)
        return;
    sem_init(&crm_pw_slots, 0, (unsigned)(concurrency > 0 ? concurrency : 1));
    crm_pw_ready = true;
}

void
crm_password_free(void)
{
    if (crm_pw_ready)
        sem_destroy(&crm_pw_slots);
    crm_pw_ready = false;
}

static bool
crm_pw_acquire(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    while (sem_timedwait(&crm_pw_slots, &deadline) != 0)
        if (errno != EINTR)
            return false;
    return true;
}

crm_pw_result_t
crm_password_hash(const char *password, char out[CRM_PASSWORD_HASH_MAX])
{
    if (!crm_pw_acquire())
        return CRM_PW_BUSY;
    int rc = crypto_pwhash_str_alg(out, password, strlen(password), CRM_PW_OPSLIMIT,
                                   CRM_PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
    sem_post(&crm_pw_slots);
    return rc == 0 ? CRM_PW_OK : CRM_PW_BUSY; /* only fails when memory runs out */
}

crm_pw_result_t
crm_password_verify(const char *hash, const char *password)
{
    if (!hash)
        pthread_once(&crm_pw_dummy_once, crm_pw_make_dummy);
    if (!crm_pw_acquire())
        return CRM_PW_BUSY;
    int rc = crypto_pwhash_str_verify(hash ? hash : crm_pw_dummy, password, strlen(password));
    sem_post(&crm_pw_slots);
    return hash && rc == 0 ? CRM_PW_OK : CRM_PW_MISMATCH;
}

bool
crm_password_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, CRM_PW_OPSLIMIT, CRM_PW_MEMLIMIT) != 0;
}

static bool
crm_contains_ci(const char *hay, const char *needle, size_t needle_len)
{
    if (needle_len == 0)
        return false;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, needle_len) == 0)
            return true;
    return false;
}

const char *
crm_password_rule_violation(const char *password, const char *email, const char *tenant_name)
{
    size_t chars = 0, bytes = strlen(password);
    for (const unsigned char *p = (const unsigned char *)password; *p; p++)
        chars += (*p & 0xC0) != 0x80; /* count code points, not bytes */
    if (chars < CRM_PASSWORD_MIN_CHARS)
        return "must be at least 12 characters long";
    if (bytes > CRM_PASSWORD_MAX_BYTES)
        return "must be at most 256 bytes long";
    if (email) {
        const char *at = strchr(email, '@');
        size_t local = at ? (size_t)(at - email) : strlen(email);
        if (crm_contains_ci(password, email, strlen(email)) ||
            (local >= 4 && crm_contains_ci(password, email, local)))
            return "must not contain the email address";
    }
    if (tenant_name && strlen(tenant_name) >= 4 &&
        crm_contains_ci(password, tenant_name, strlen(tenant_name)))
        return "must not contain the organisation's name";
    return NULL;
}
