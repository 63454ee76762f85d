/* throttle.h - login throttling in memory: failures per account, attempts per client address */
#ifndef CRM_CORE_THROTTLE_H
#define CRM_CORE_THROTTLE_H

/* max_failures per account within window_s; max_per_ip login attempts per address and minute. */
void crm_throttle_init(long max_failures, long window_s, long max_per_ip);
/* Before a password is checked: counts an attempt from ip and reserves one failure of account,
 * so that parallel attempts cannot all pass the check before any of them fails. 0 when it may
 * go on, else the seconds to wait (and nothing is reserved). */
long crm_throttle_attempt(const char *account, const char *ip);
/* The attempt checked no password (busy, database unreachable): gives the reservation back. */
void crm_throttle_release(const char *account);
/* The password was right: the account's failures start again from zero. */
void crm_throttle_success(const char *account);

#endif
