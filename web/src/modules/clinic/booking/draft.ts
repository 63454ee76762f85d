// draft.ts - what opens the booking dialog (a draft booking) and the parsers of the typed date
// and time fields, apart from the dialog so that the diary loads the dialog only when opened.
import { DateTime } from "luxon";

export interface BookingDraft {
  day: string; // clinic date, 2027-03-28
  time: string; // clinic wall clock, 09:30
  practitionerId: string | null;
  duration: number;
  patientId?: string | null;
}

/** A time typed as 9:30, 09:30, 0930 or 9.30, as "09:30" (null when it is not one). */
export function parseTime(text: string): string | null {
  const m = /^(\d{1,2})[:.h]?(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]), min = Number(m[2]);
  return h < 24 && min < 60 ? `${String(h).padStart(2, "0")}:${m[2]}` : null;
}

/** dd/mm/yyyy typed into the date field, as the clinic's date. */
export function parseDay(text: string): string | null {
  const d = DateTime.fromFormat(text.trim(), "d/M/yyyy");
  return d.isValid ? d.toISODate() : null;
}
