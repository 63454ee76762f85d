// format.ts - en-GB display conventions in one place: 24-hour clock, day/month/year, pounds,
// and every time shown in the tenant's time zone whatever the browser's.
import { DateTime } from "luxon";

export const LOCALE = "en-GB";
export const CURRENCY = "GBP";

let zone = "Europe/London";

/** The tenant's IANA time zone, set once the viewer is known. */
export function setTenantZone(z: string | undefined) {
  if (z) zone = z;
}
export function tenantZone(): string {
  return zone;
}

export function inZone(iso: string | Date): DateTime {
  const dt = typeof iso === "string" ? DateTime.fromISO(iso) : DateTime.fromJSDate(iso);
  return dt.setZone(zone).setLocale(LOCALE);
}

export function formatDate(iso: string | Date | null | undefined): string {
  return iso ? inZone(iso).toFormat("dd/MM/yyyy") : "";
}
export function formatTime(iso: string | Date | null | undefined): string {
  return iso ? inZone(iso).toFormat("HH:mm") : "";
}
export function formatDateTime(iso: string | Date | null | undefined): string {
  return iso ? inZone(iso).toFormat("dd/MM/yyyy HH:mm") : "";
}
/** A birth date (a calendar date, no zone). */
export function formatBirthDate(ymd: string | null | undefined): string {
  return ymd ? DateTime.fromISO(ymd).toFormat("dd/MM/yyyy") : "";
}

const money = new Intl.NumberFormat(LOCALE, { style: "currency", currency: CURRENCY });
export function formatMoney(amount: number | string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return "";
  return money.format(typeof amount === "string" ? Number(amount) : amount);
}
