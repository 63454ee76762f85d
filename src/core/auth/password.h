/* password.h - argon2id password hashes (libsodium), bounded in concurrency, and password rules */
#ifndef CRM_CORE_PASSWORD_H
#define CRM_CORE_PASSWORD_H

#include <sodium.h>
#include <stdbool.h>

#define CRM_PASSWORD_HASH_MAX  crypto_pwhash_STRBYTES
#define CRM_PASSWORD_MIN_CHARS 12
#define CRM_PASSWORD_MAX_BYTES 256

typedef enum { CRM_PW_OK, CRM_PW_MISMATCH, CRM_PW_BUSY } crm_pw_result_t;

/* How many hashes may run at once (each holds 19 MiB); the rest wait up to 5 s. */
void crm_password_init(long concurrency);
void crm_password_free(void);
/* PHC string of argon2id with t=2, m=19 MiB, p=1 into out; CRM_PW_BUSY when saturated. */
crm_pw_result_t crm_password_hash(const char *password, char out[CRM_PASSWORD_HASH_MAX]);
/* Compares; a NULL hash still spends the time of a verification (no user, same timing). */
crm_pw_result_t crm_password_verify(const char *hash, const char *password);
/* The stored hash uses weaker parameters than today's. */
bool crm_password_needs_rehash(const char *hash);
/* NULL when the password may be used; otherwise why not. */
const char *crm_password_rule_violation(const char *password, const char *email,
                                        const char *tenant_name);

#endif
