/* uuid.h - random (version 4) UUIDs and UUID text validation */
#ifndef CRM_CORE_UUID_H
#define CRM_CORE_UUID_H

#include <stdbool.h>

#define CRM_UUID_LEN 36

/* Writes a random UUID (RFC 9562 version 4), lower case, into out (37 bytes). */
void crm_uuid_v4(char out[CRM_UUID_LEN + 1]);
/* True for the canonical 8-4-4-4-12 hexadecimal form. */
bool crm_uuid_valid(const char *s);

#endif
