/* cidr.h - IP addresses and CIDR ranges (IPv4 and IPv6): parsing, formatting, matching */
#ifndef CRM_CORE_CIDR_H
#define CRM_CORE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define CRM_IP_TEXT_MAX   64 /* room for any address as text, with its NUL */
#define CRM_CIDR_LIST_MAX 32

typedef struct crm_ip {
    int family; /* AF_INET or AF_INET6 */
    unsigned char b[16];
} crm_ip_t;

typedef struct crm_cidr {
    crm_ip_t net;
    int bits;
} crm_cidr_t;

typedef struct crm_cidr_list {
    size_t n;
    crm_cidr_t items[CRM_CIDR_LIST_MAX];
} crm_cidr_list_t;

/* Parses len bytes of text as one numeric address; an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) becomes the IPv4 address. */
bool crm_ip_parse(const char *text, size_t len, crm_ip_t *out);
/* The address as text (inet_ntop's form) in out, of at least CRM_IP_TEXT_MAX bytes. */
void crm_ip_format(const crm_ip_t *ip, char *out);
/* "a.b.c.d/n", "v6/n", or an address alone (/32, /128); bits past the prefix must be zero. */
bool crm_cidr_parse(const char *text, size_t len, crm_cidr_t *out);
bool crm_cidr_contains(const crm_cidr_t *c, const crm_ip_t *ip);
bool crm_cidr_list_contains(const crm_cidr_list_t *l, const crm_ip_t *ip);
/* Ranges separated by commas and/or spaces; -1 with the reason (naming the entry) in why. */
int crm_cidr_list_parse(const char *text, crm_cidr_list_t *out, char *why, size_t whylen);

#endif
