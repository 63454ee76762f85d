// appointments.ts - the server state "My day" reads and changes: today's appointments of the
// signed-in practitioner (each with its patient's name, patient_name), each patient's last
// notes, and status and notes changes.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DateTime } from "luxon";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { tenantZone } from "../../../lib/format";
import { must } from "../../../lib/problem";

export type Appointment = components["schemas"]["Appointment"];
export type AppointmentStatus = Appointment["status"];
type Activity = components["schemas"]["Activity"];

/** The moves "My day" offers, as rows of the server's table (src/modules/clinic/transitions.c):
 * arrive from booked, complete from arrived or in consultation. The server still decides. */
export const MYDAY_MOVES: { from: AppointmentStatus[]; to: AppointmentStatus; action: "arrive" | "complete" }[] = [
  { from: ["booked"], to: "arrived", action: "arrive" },
  { from: ["arrived", "checked-in"], to: "fulfilled", action: "complete" },
];

/** An If-Match value for a version read from a list (the API's ETags are the quoted version). */
export function etagOf(a: Appointment): string {
  return `"${a.version}"`;
}

export const todayKey = (practitionerId: string, day: string) => ["clinic", "myday", practitionerId, day] as const;

/** Today in the clinic's zone, as the date it is and the instants it starts and ends. */
export function clinicToday(): { day: string; from: string; to: string; start: DateTime } {
  const start = DateTime.now().setZone(tenantZone()).startOf("day");
  return { day: start.toISODate() ?? "", from: start.toISO() ?? "", to: start.plus({ days: 1 }).toISO() ?? "", start };
}

export function useToday(practitionerId: string) {
  const { day, from, to } = clinicToday();
  return useQuery({
    queryKey: todayKey(practitionerId, day),
    refetchInterval: 60_000, // bookings made at the front desk appear within a minute
    queryFn: async () => {
      const out: Appointment[] = [];
      let cursor: string | undefined;
      do {
        const page = must(
          await api.GET("/api/v1/appointments", {
            params: { query: { practitioner_id: practitionerId, from, to, limit: 200, cursor } },
          }),
        );
        out.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return out
        .filter((a) => a.status !== "entered-in-error" && a.appointment_time >= from && a.appointment_time < to)
        .sort((a, b) => a.appointment_time.localeCompare(b.appointment_time));
    },
  });
}

export interface EarlierNote {
  key: string;
  at: string;
  kind: "appointment" | "note";
  by: string; // the practitioner (appointment) or the note's subject
  text: string;
}

const NOTES_SHOWN = 3;

/** The patient's last notes: clinical notes of appointments before today (when the API shows
 * them to this role) and the latest notes on the contact (activities of type note). */
export function useLastNotes(patientId: string | undefined, before: string, withActivities: boolean) {
  return useQuery({
    queryKey: ["clinic", "last-notes", patientId, before, withActivities],
    enabled: !!patientId,
    staleTime: 60_000,
    queryFn: async (): Promise<EarlierNote[]> => {
      // appointments come oldest first with no other order: read the pages up to today
      const past: Appointment[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = must(
          await api.GET("/api/v1/appointments", {
            params: { query: { patient_id: patientId, to: before, limit: 200, cursor } },
          }),
        );
        past.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && ++pages < 10);
      const fromAppointments: EarlierNote[] = past
        .filter((a) => a.notes && a.notes.trim())
        .map((a) => ({ key: a.id, at: a.appointment_time, kind: "appointment", by: a.practitioner_name, text: a.notes! }));
      let fromActivities: EarlierNote[] = [];
      if (withActivities) {
        const notes = must(
          await api.GET("/api/v1/activities", {
            params: { query: { contact_id: patientId, type: "note", sort: "-created_at", limit: NOTES_SHOWN } },
          }),
        ).data as Activity[];
        fromActivities = notes.map((n) => ({ key: n.id, at: n.created_at ?? "", kind: "note", by: n.subject, text: n.body ?? "" }));
      }
      return [...fromAppointments, ...fromActivities].sort((a, b) => b.at.localeCompare(a.at)).slice(0, NOTES_SHOWN);
    },
  });
}

/** PATCH an appointment with If-Match from the version read; the day's list is read again. */
export function useChangeAppointment(practitionerId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ a, change }: { a: Appointment; change: components["schemas"]["AppointmentInput"] }) =>
      must(
        await api.PATCH("/api/v1/appointments/{id}", {
          params: { path: { id: a.id }, header: { "If-Match": etagOf(a) } },
          body: change,
        }),
      ),
    onSuccess: (updated) => {
      qc.setQueryData<Appointment[]>(todayKey(practitionerId, clinicToday().day), (list) =>
        list?.map((x) => (x.id === updated.id ? updated : x)),
      );
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ["clinic", "myday", practitionerId] }),
  });
}
