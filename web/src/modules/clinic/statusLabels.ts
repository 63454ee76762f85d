// statusLabels.ts - the appointment statuses as the Clinic's screens name them (en-GB), one list
// for the diary, the record and "my day".
import type { components } from "../../api/schema";

type Status = components["schemas"]["Appointment"]["status"];

export const statusLabels = {
  proposed: "Proposed",
  pending: "Pending",
  booked: "Booked",
  arrived: "Arrived",
  "checked-in": "In consultation",
  fulfilled: "Completed",
  cancelled: "Cancelled",
  noshow: "No-show",
  waitlist: "Waiting list",
  "entered-in-error": "Entered in error",
} satisfies Record<Status, string>;
