// status.ts - appointment statuses in the diary: their names, colours (classes in
// Diary.module.css) and the moves offered. The API answers the allowed moves only when one is
// refused (409 "allowed"), so the table of src/modules/clinic/transitions.c is mirrored here,
// in this one place; the server still decides.
import type { components } from "../../../api/schema";

export type Status = components["schemas"]["Appointment"]["status"];

export const TRANSITIONS: Record<Status, Status[]> = {
  proposed: ["pending", "booked", "waitlist", "cancelled", "entered-in-error"],
  pending: ["booked", "waitlist", "cancelled", "entered-in-error"],
  waitlist: ["proposed", "pending", "booked", "cancelled", "entered-in-error"],
  booked: ["arrived", "checked-in", "noshow", "cancelled", "entered-in-error"],
  arrived: ["checked-in", "fulfilled", "cancelled", "entered-in-error"],
  "checked-in": ["fulfilled", "cancelled", "entered-in-error"],
  fulfilled: ["entered-in-error"],
  cancelled: ["entered-in-error"],
  noshow: ["entered-in-error"],
  "entered-in-error": [],
};

/** The moves the diary offers as actions, in the order a visit goes. */
export const ACTIONS: Status[] = ["booked", "arrived", "checked-in", "fulfilled", "noshow", "cancelled"];

/** Statuses that hold the practitioner's time (and may be moved in the diary). */
export const ACTIVE: Status[] = ["proposed", "pending", "booked", "arrived", "checked-in"];

export function nextStatuses(from: Status): Status[] {
  return ACTIONS.filter((s) => TRANSITIONS[from].includes(s));
}
