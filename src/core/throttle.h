/* throttle.h - login throttling in memory: failures per account, attempts per client address */
#ifndef CRM_CORE_THROTTLE_H
#define CRM_CORE_THROTTLE_H

/* max_failures per account within window_s; max_per_ip attempts per address and minute. */
void crm_throttle_init(long max_failures, long window_s, long max_per_ip);
/* Counts an attempt from ip against account; 0 when it may go on, else seconds to wait. */
long crm_throttle_attempt(const char *account, const char *ip);
void crm_throttle_failure(const char *account);
void crm_throttle_success(const char *account);

#endif
