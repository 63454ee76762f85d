// zone.ts - the diary's clock: react-big-calendar draws JS Dates in the browser's zone, so each
// instant is shown as a "wall clock" Date whose local fields are the clinic's time, and back.
import { DateTime } from "luxon";
import { tenantZone } from "../../../lib/format";

/** An instant as a Date whose browser-local fields read the clinic's wall clock. */
export function toWall(instant: string | DateTime): Date {
  const dt = (typeof instant === "string" ? DateTime.fromISO(instant) : instant).setZone(tenantZone());
  return new Date(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond);
}

/** A wall-clock Date (as the calendar gives it) as the instant it means in the clinic. */
export function fromWall(d: Date): DateTime {
  return DateTime.fromObject(
    { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() },
    { zone: tenantZone() },
  );
}

/** A clinic date ("2027-03-28") at a wall-clock time ("09:30") as an instant. */
export function atClinic(day: string, time: string): DateTime {
  return DateTime.fromISO(`${day}T${time}`, { zone: tenantZone() });
}

/** Today's date in the clinic. */
export function clinicToday(): string {
  return DateTime.now().setZone(tenantZone()).toISODate()!;
}

/** The calendar's date for a clinic day: its wall-clock noon (clear of any clock change). */
export function wallDay(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y!, m! - 1, d!, 12);
}

/** A wall-clock Date's clinic date ("2027-03-28"). */
export function dayOfWall(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The instants that bound a clinic day or its ISO week (Monday first): 23, 24 or 25 hours a
 * day, as the clocks change. */
export function rangeOf(day: string, view: "day" | "week"): { from: DateTime; to: DateTime; days: string[] } {
  const start = DateTime.fromISO(day, { zone: tenantZone() }).startOf(view === "day" ? "day" : "week");
  const count = view === "day" ? 1 : 7;
  const days = Array.from({ length: count }, (_, i) => start.plus({ days: i }).toISODate()!);
  return { from: start, to: start.plus({ days: count }), days };
}

/** The wall-clock "now" for the calendar's current-time line. */
export function wallNow(): Date {
  return toWall(DateTime.now());
}
