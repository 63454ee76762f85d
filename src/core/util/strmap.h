/* strmap.h - a map from byte strings to numbers, of a size fixed when made, hashed with a keyed
 * SipHash so that no input can make its lookups slow */
#ifndef CRM_CORE_STRMAP_H
#define CRM_CORE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util/arena.h"

typedef struct crm_strmap crm_strmap_t;

/* A map for up to max_entries keys, in arena a (16 bytes a key and a half). */
crm_strmap_t *crm_strmap_new(crm_arena_t *a, size_t max_entries);
/* The value under the key; false when the map does not have it. */
bool crm_strmap_get(const crm_strmap_t *m, const char *key, size_t len, uint32_t *value);
/* Adds the key (not copied: it must outlive the map) with its value; false, leaving the map as
 * it was, when the key is there already or the map is full. */
bool crm_strmap_add(crm_strmap_t *m, const char *key, size_t len, uint32_t value);

#endif
