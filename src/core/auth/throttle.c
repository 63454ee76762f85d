/* throttle.c - in-memory throttling: login failures per account, login attempts per client
 * address, security-event audit rows per (tenant, client address). Fixed windows in small hash
 * tables, one per kind (a flood of one kind cannot evict the windows of another), keyed by a
 * keyed hash (SipHash) so nobody can aim collisions at them; when a probe range is full an
 * ended window gives way first, then the oldest. An IPv6 client is keyed by its /64, the
 * smallest block a site is given, so that one client cannot pass as many by changing the low
 * bits. Never a permanent lockout: every count ends with its window. Per process: with several
 * servers behind a balancer each keeps its own counts. */
#include "core/auth/throttle.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/util/cidr.h"

#define CRM_THROTTLE_SLOTS 8192
#define CRM_THROTTLE_PROBE 16

typedef struct crm_window {
    uint64_t key; /* 0: free */
    int64_t start;
    long count;
    long over; /* refused beyond the bound within the window (security rows) */
} crm_window_t;

typedef struct crm_table {
    long window_s;
    crm_window_t slots[CRM_THROTTLE_SLOTS];
} crm_table_t;

static struct {
    pthread_mutex_t lock;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    crm_table_t accounts, addresses, security;
    long max_failures, max_per_ip, security_per_minute;
} crm_th = {.lock = PTHREAD_MUTEX_INITIALIZER,
            .accounts.window_s = 900,
            .addresses.window_s = 60,
            .security.window_s = 60,
            .max_failures = 5,
            .max_per_ip = 60,
            .security_per_minute = 60};

void
crm_throttle_init(long max_failures, long window_s, long max_per_ip, long security_per_minute)
{
    pthread_mutex_lock(&crm_th.lock);
    crypto_shorthash_keygen(crm_th.hash_key);
    memset(crm_th.accounts.slots, 0, sizeof(crm_th.accounts.slots));
    memset(crm_th.addresses.slots, 0, sizeof(crm_th.addresses.slots));
    memset(crm_th.security.slots, 0, sizeof(crm_th.security.slots));
    crm_th.accounts.window_s = window_s;
    crm_th.max_failures = max_failures;
    crm_th.max_per_ip = max_per_ip;
    crm_th.security_per_minute = security_per_minute;
    pthread_mutex_unlock(&crm_th.lock);
}

static uint64_t
crm_throttle_hash(const unsigned char *in, size_t n)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, in, n, crm_th.hash_key);
    uint64_t k;
    memcpy(&k, out, sizeof(k));
    return k ? k : 1;
}

/* The key of text (an account, or a prefix such as a tenant id), followed by the client
 * address ip when given: its IPv4 address or IPv6 /64 (the text itself if it is no address). */
static uint64_t
crm_throttle_key(const char *text, const char *ip)
{
    unsigned char in[600];
    size_t n = text ? strnlen(text, 400) : 0;
    memcpy(in, text ? text : "", n);
    if (ip) {
        crm_ip_t a;
        in[n++] = '|';
        if (crm_ip_parse(ip, strlen(ip), &a)) {
            in[n++] = a.family == AF_INET ? 4 : 6;
            memcpy(in + n, a.b, a.family == AF_INET ? 4 : 8);
            n += a.family == AF_INET ? 4 : 8;
        } else {
            size_t m = strnlen(ip, 128);
            memcpy(in + n, ip, m);
            n += m;
        }
    }
    return crm_throttle_hash(in, n);
}

/* The window of key in t, started afresh when it ended; the caller holds the lock. */
static crm_window_t *
crm_throttle_window(crm_table_t *t, uint64_t key, int64_t now)
{
    size_t base = (size_t)(key % CRM_THROTTLE_SLOTS);
    crm_window_t *victim = NULL;
    int victim_rank = 3; /* 0 free, 1 ended, 2 running (then the oldest) */
    for (size_t i = 0; i < CRM_THROTTLE_PROBE; i++) {
        crm_window_t *w = &t->slots[(base + i) % CRM_THROTTLE_SLOTS];
        if (w->key == key) {
            if (now - w->start >= t->window_s)
                *w = (crm_window_t){key, now, 0, 0};
            return w;
        }
        int rank = w->key == 0 ? 0 : now - w->start >= t->window_s ? 1 : 2;
        if (rank < victim_rank || (rank == 2 && victim_rank == 2 && w->start < victim->start)) {
            victim = w;
            victim_rank = rank;
        }
    }
    *victim = (crm_window_t){key, now, 0, 0};
    return victim;
}

static int64_t
crm_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

long
crm_throttle_attempt(const char *account, const char *ip)
{
    int64_t now = crm_now_s();
    long wait = 0;
    pthread_mutex_lock(&crm_th.lock);
    crm_window_t *a = crm_throttle_window(&crm_th.accounts, crm_throttle_key(account, NULL), now);
    if (a->count >= crm_th.max_failures)
        wait = (long)(a->start + crm_th.accounts.window_s - now);
    crm_window_t *i = crm_throttle_window(&crm_th.addresses, crm_throttle_key(NULL, ip), now);
    if (++i->count > crm_th.max_per_ip) {
        long w = (long)(i->start + crm_th.addresses.window_s - now);
        if (w > wait)
            wait = w;
    }
    bool refused = wait != 0 || a->count >= crm_th.max_failures || i->count > crm_th.max_per_ip;
    if (!refused)
        a->count++; /* reserved: a failure unless released or succeeded */
    pthread_mutex_unlock(&crm_th.lock);
    return !refused ? 0 : wait > 0 ? wait : 1;
}

void
crm_throttle_release(const char *account)
{
    int64_t now = crm_now_s();
    pthread_mutex_lock(&crm_th.lock);
    crm_window_t *a = crm_throttle_window(&crm_th.accounts, crm_throttle_key(account, NULL), now);
    if (a->count > 0)
        a->count--;
    pthread_mutex_unlock(&crm_th.lock);
}

void
crm_throttle_success(const char *account)
{
    int64_t now = crm_now_s();
    pthread_mutex_lock(&crm_th.lock);
    crm_throttle_window(&crm_th.accounts, crm_throttle_key(account, NULL), now)->count = 0;
    pthread_mutex_unlock(&crm_th.lock);
}

bool
crm_throttle_security_row(const char *tenant_id, const char *ip, long *over)
{
    int64_t now = crm_now_s();
    pthread_mutex_lock(&crm_th.lock);
    crm_window_t *w = crm_throttle_window(&crm_th.security, crm_throttle_key(tenant_id, ip), now);
    bool fits = ++w->count <= crm_th.security_per_minute;
    if (!fits)
        *over = ++w->over;
    pthread_mutex_unlock(&crm_th.lock);
    return fits;
}
