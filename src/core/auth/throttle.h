/* throttle.h - in-memory throttling: login failures per account, login attempts per client
 * address, and security events written to a tenant's audit log per client address */
#ifndef CRM_CORE_THROTTLE_H
#define CRM_CORE_THROTTLE_H

#include <stdbool.h>

/* max_failures per account within window_s; max_per_ip login attempts per address and minute;
 * security_per_minute audit rows of security events per (tenant, address) and minute. */
void crm_throttle_init(long max_failures, long window_s, long max_per_ip, long security_per_minute);
/* Before a password is checked: counts an attempt from ip and reserves one failure of account,
 * so that parallel attempts cannot all pass the check before any of them fails. 0 when it may
 * go on, else the seconds to wait (and nothing is reserved). */
long crm_throttle_attempt(const char *account, const char *ip);
/* The attempt checked no password (busy, database unreachable): gives the reservation back. */
void crm_throttle_release(const char *account);
/* The password was right: the account's failures start again from zero. */
void crm_throttle_success(const char *account);
/* Whether one more security-event row for tenant from ip fits this minute's bound; when it does
 * not, *over is how many were refused for them this minute (this one included). */
bool crm_throttle_security_row(const char *tenant_id, const char *ip, long *over);

#endif
