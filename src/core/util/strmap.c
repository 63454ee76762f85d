/* strmap.c - open addressing with linear probing over a keyed SipHash-2-4 (libsodium) */
#include "core/util/strmap.h"

#include <sodium.h>
#include <string.h>

typedef struct crm_strmap_slot {
    const char *key; /* NULL: empty */
    uint32_t len;
    uint32_t value;
} crm_strmap_slot_t;

struct crm_strmap {
    crm_strmap_slot_t *slots;
    size_t size; /* slots: half as many again as keys at most, so a probe ends soon */
    size_t count, max;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

crm_strmap_t *
crm_strmap_new(crm_arena_t *a, size_t max_entries)
{
    crm_strmap_t *m = crm_arena_calloc(a, sizeof(*m));
    size_t n = max_entries + max_entries / 2 + 1;
    m->slots = crm_arena_calloc(a, n * sizeof(*m->slots));
    m->size = n;
    m->max = max_entries;
    crypto_shorthash_keygen(m->hash_key);
    return m;
}

/* The slot holding the key, or the empty slot where it would go. */
static crm_strmap_slot_t *
crm_strmap_find(const crm_strmap_t *m, const char *key, size_t len)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)key, len, m->hash_key);
    uint64_t hash;
    memcpy(&hash, h, sizeof(hash));
    for (size_t i = (size_t)(hash % m->size);; i = i + 1 == m->size ? 0 : i + 1) {
        crm_strmap_slot_t *s = &m->slots[i];
        if (!s->key || (s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

bool
crm_strmap_get(const crm_strmap_t *m, const char *key, size_t len, uint32_t *value)
{
    const crm_strmap_slot_t *s = crm_strmap_find(m, key, len);
    if (!s->key)
        return false;
    *value = s->value;
    return true;
}

bool
crm_strmap_add(crm_strmap_t *m, const char *key, size_t len, uint32_t value)
{
    if (len > UINT32_MAX)
        return false;
    crm_strmap_slot_t *s = crm_strmap_find(m, key, len);
    if (s->key || m->count == m->max)
        return false;
    s->key = key;
    s->len = (uint32_t)len;
    s->value = value;
    m->count++;
    return true;
}
