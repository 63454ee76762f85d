/* phone.h - phone numbers to E.164, with a country for numbers written the national way */
#ifndef CRM_CORE_PHONE_H
#define CRM_CORE_PHONE_H

#include <stdbool.h>

#define CRM_PHONE_MAX 17 /* "+" 15 digits NUL */

/* Normalises "+44 20 7946 0958", "0044 ...", "+44 (0)20 ...", "(020) 7946 0958" (country GB)
 * into "+442079460958". Separators allowed: space . - ( ) /. false when it cannot be a number,
 * or when a national number's country is not known here. */
bool crm_phone_e164(const char *input, const char *default_country, char out[CRM_PHONE_MAX]);

/* The longest alphanumeric SMS sender id (Twilio's bound). */
#define CRM_SMS_SENDER_ID_MAX 11

/* An SMS sender: a number written the international way ("+44 7700 900123", normalised to
 * E.164 into out) or an alphanumeric sender id as Twilio takes one (1 to 11 ASCII letters,
 * digits and spaces, one a letter; copied as it is). false for anything else. */
bool crm_sms_sender(const char *input, char out[CRM_PHONE_MAX]);

#endif
