// strings.ts - every text of the patient record's Appointments section (en-GB), in one place for translation.
import { statusLabels } from "../statusLabels";
export const t = {
  upcoming: "Upcoming",
  past: "Past",
  noUpcoming: "No upcoming appointments",
  noPast: "No past appointments",
  loading: "Loading appointments…",
  loadFailed: "The appointments could not be loaded.",
  retry: "Try again",
  showMore: "Show more",
  showMoreOf: (what: string) => `Show more ${what.toLowerCase()} appointments`,
  bookAgain: "Book again",
  book: "Book an appointment",
  bookFor: (label: string, name: string) => `${label} for ${name}`,
  minutes: (n: number) => `${n} min`,
  with: (who: string) => `with ${who}`,
  noType: "Appointment",
  status: statusLabels as Record<string, string>,
};
