/* throttle.c - login throttling in memory: failures per account, attempts per client address.
 * Fixed windows in a small hash table keyed by a keyed hash (SipHash) of the account or
 * address, so nobody can aim collisions at it; when the table is full the oldest window
 * gives way. Never a permanent lockout: every count ends with its window. Per process: with
 * several servers behind a balancer each keeps its own counts. */
#include "core/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define CRM_THROTTLE_SLOTS 8192
#define CRM_THROTTLE_PROBE 16

typedef struct crm_window {
    uint64_t key; /* 0: free */
    int64_t start;
    long count;
} crm_window_t;

static struct {
    pthread_mutex_t lock;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    crm_window_t slots[CRM_THROTTLE_SLOTS];
    long max_failures, window_s, max_per_ip;
} crm_th = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .max_failures = 5, .window_s = 900, .max_per_ip = 60};

void
crm_throttle_init(long max_failures, long window_s, long max_per_ip)
{
    pthread_mutex_lock(&crm_th.lock);
    crypto_shorthash_keygen(crm_th.hash_key);
    memset(crm_th.slots, 0, sizeof(crm_th.slots));
    crm_th.max_failures = max_failures;
    crm_th.window_s = window_s;
    crm_th.max_per_ip = max_per_ip;
    pthread_mutex_unlock(&crm_th.lock);
}

static uint64_t
crm_throttle_key(char kind, const char *name)
{
    unsigned char in[512], out[crypto_shorthash_BYTES];
    size_t n = strnlen(name, sizeof(in) - 1);
    in[0] = (unsigned char)kind;
    memcpy(in + 1, name, n);
    crypto_shorthash(out, in, n + 1, crm_th.hash_key);
    uint64_t k;
    memcpy(&k, out, sizeof(k));
    return k ? k : 1;
}

/* The window of key, started afresh when it ended; the caller holds the lock. */
static crm_window_t *
crm_throttle_window(uint64_t key, long window_s, int64_t now)
{
    size_t base = (size_t)(key % CRM_THROTTLE_SLOTS);
    crm_window_t *victim = NULL;
    for (size_t i = 0; i < CRM_THROTTLE_PROBE; i++) {
        crm_window_t *w = &crm_th.slots[(base + i) % CRM_THROTTLE_SLOTS];
        if (w->key == key) {
            if (now - w->start >= window_s) {
                w->start = now;
                w->count = 0;
            }
            return w;
        }
        if (w->key == 0) { /* a free slot beats any used one */
            if (!victim || victim->key != 0)
                victim = w;
        } else if (!victim || (victim->key != 0 && w->start < victim->start)) {
            victim = w;
        }
    }
    *victim = (crm_window_t){key, now, 0};
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
    crm_window_t *a = crm_throttle_window(crm_throttle_key('a', account), crm_th.window_s, now);
    if (a->count >= crm_th.max_failures)
        wait = (long)(a->start + crm_th.window_s - now);
    crm_window_t *i = crm_throttle_window(crm_throttle_key('i', ip), 60, now);
    if (++i->count > crm_th.max_per_ip) {
        long w = (long)(i->start + 60 - now);
        if (w > wait)
            wait = w;
    }
    pthread_mutex_unlock(&crm_th.lock);
    return wait > 0 ? wait : (wait < 0 ? 1 : 0);
}

void
crm_throttle_failure(const char *account)
{
    int64_t now = crm_now_s();
    pthread_mutex_lock(&crm_th.lock);
    crm_throttle_window(crm_throttle_key('a', account), crm_th.window_s, now)->count++;
    pthread_mutex_unlock(&crm_th.lock);
}

void
crm_throttle_success(const char *account)
{
    int64_t now = crm_now_s();
    pthread_mutex_lock(&crm_th.lock);
    crm_throttle_window(crm_throttle_key('a', account), crm_th.window_s, now)->count = 0;
    pthread_mutex_unlock(&crm_th.lock);
}
