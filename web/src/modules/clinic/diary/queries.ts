// queries.ts - the diary's server state in TanStack Query: practitioners, their working hours
// and exceptions (read once, kept), the appointments of the range shown (polled), and the
// change of one appointment with If-Match.
import { useQueries, useQuery, type QueryClient } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { must } from "../../../lib/problem";
import type { components } from "../../../api/schema";

export type Appointment = components["schemas"]["Appointment"];
export type AppointmentInput = components["schemas"]["AppointmentInput"];
export type Practitioner = components["schemas"]["Practitioner"];

/** Other users' changes show within this many milliseconds (the list gives no ETag to ask
 * If-None-Match with, so it is read again). */
export const POLL_MS = 10_000;

export function usePractitioners() {
  return useQuery({
    queryKey: ["practitioners"],
    staleTime: 5 * 60_000,
    queryFn: async () => must(await api.GET("/api/v1/practitioners")).data,
  });
}

export interface Hours {
  weekly: { weekday: number; start: string; end: string }[];
  exceptions: { date?: string; kind?: string; start?: string | null; end?: string | null; reason?: string | null }[];
}

async function hoursOf(id: string): Promise<Hours> {
  const [weekly, exceptions] = await Promise.all([
    api.GET("/api/v1/practitioners/{id}/schedule", { params: { path: { id } } }),
    api.GET("/api/v1/practitioners/{id}/schedule/exceptions", { params: { path: { id } } }),
  ]);
  return { weekly: must(weekly).weekly, exceptions: must(exceptions).data };
}

/** Each practitioner's hours, by id: read once per practitioner and kept for minutes, not per
 * render or per day shown. */
export function useHours(ids: string[]): Map<string, Hours> {
  const results = useQueries({
    queries: ids.map((id) => ({ queryKey: ["hours", id], staleTime: 5 * 60_000, queryFn: () => hoursOf(id) })),
  });
  const map = new Map<string, Hours>();
  results.forEach((r, i) => {
    if (r.data) map.set(ids[i]!, r.data);
  });
  return map;
}

export function appointmentsKey(from: string, to: string, practitionerId?: string) {
  return ["appointments", from, to, practitionerId ?? "all"] as const;
}

/** Every appointment of the range (all pages), polled while the diary is open unless paused
 * (during a drag: a poll never moves what the user holds). */
export function useAppointments(from: string, to: string, practitionerId: string | undefined, paused: boolean) {
  return useQuery({
    queryKey: appointmentsKey(from, to, practitionerId),
    refetchInterval: paused ? false : POLL_MS,
    placeholderData: (prev) => prev,
    queryFn: async () => {
      const all: Appointment[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = must(
          await api.GET("/api/v1/appointments", {
            params: { query: { from, to, limit: 200, practitioner_id: practitionerId, cursor } },
          }),
        );
        all.push(...page.data);
        if (!page.next_cursor) return all;
        cursor = page.next_cursor;
      }
    },
  });
}

/** PATCH with If-Match from the version read; the answer replaces the cached copy. */
export async function patchAppointment(qc: QueryClient, a: Appointment, body: AppointmentInput): Promise<Appointment> {
  const changed = must(
    await api.PATCH("/api/v1/appointments/{id}", {
      params: { path: { id: a.id }, header: { "If-Match": `"${a.version}"` } },
      body,
    }),
  );
  replaceCached(qc, changed);
  return changed;
}

export function replaceCached(qc: QueryClient, changed: Appointment) {
  qc.setQueriesData<Appointment[]>({ queryKey: ["appointments"] }, (old) =>
    old?.map((x) => (x.id === changed.id ? changed : x)),
  );
}

export async function getAppointment(id: string): Promise<Appointment> {
  return must(await api.GET("/api/v1/appointments/{id}", { params: { path: { id } } }));
}
