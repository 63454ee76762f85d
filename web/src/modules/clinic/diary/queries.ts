// queries.ts - the diary's server state in TanStack Query: practitioners, their working hours
// and exceptions (read once, kept), the appointments of the range shown (polled), and the
// change of one appointment with If-Match.
import { useQueries, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { must } from "../../../lib/problem";
import type { components } from "../../../api/schema";

export type Appointment = components["schemas"]["Appointment"];
export type AppointmentInput = components["schemas"]["AppointmentInput"];
export type Practitioner = components["schemas"]["Practitioner"];

/** Other users' changes show within this many milliseconds: each poll asks If-None-Match with
 * the ETag of every page held, and a page unchanged comes back 304 without a body. */
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

/** One page of the list as last read: the cursor that asked for it and the ETag that names it
 * (null once the cached copy was changed here, so that it is read again). */
export interface AppointmentPage {
  cursor: string | undefined;
  etag: string | null;
  data: Appointment[];
  next_cursor: string | null;
}

export interface AppointmentList {
  pages: AppointmentPage[];
}

const allItems = (list: AppointmentList): Appointment[] => list.pages.flatMap((p) => p.data);

/** Every page of the range, each asked with If-None-Match when the same page (same cursor) is
 * held: a 304 keeps the page held (no body comes), a 200 replaces it. When no page changed the
 * list held is returned itself, so nothing re-renders. */
async function readAppointments(
  from: string, to: string, practitionerId: string | undefined, held: AppointmentList | undefined,
): Promise<AppointmentList> {
  const pages: AppointmentPage[] = [];
  let cursor: string | undefined;
  for (let i = 0; ; i++) {
    const mine = held?.pages[i];
    const known = mine && mine.cursor === cursor && mine.etag ? mine : undefined;
    const res = await api.GET("/api/v1/appointments", {
      params: {
        query: { from, to, limit: 200, practitioner_id: practitionerId, cursor },
        header: known?.etag ? { "If-None-Match": known.etag } : undefined,
      },
    });
    const page: AppointmentPage =
      known && res.response.status === 304
        ? known
        : { ...must(res), cursor, etag: res.response.headers.get("ETag") };
    pages.push(page);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const same = held && held.pages.length === pages.length && pages.every((p, i) => p === held.pages[i]);
  return same ? held : { pages };
}

/** Every appointment of the range (all pages), polled while the diary is open unless paused
 * (during a drag: a poll never moves what the user holds). */
export function useAppointments(from: string, to: string, practitionerId: string | undefined, paused: boolean) {
  const qc = useQueryClient();
  const key = appointmentsKey(from, to, practitionerId);
  return useQuery({
    queryKey: key,
    refetchInterval: paused ? false : POLL_MS,
    placeholderData: (prev) => prev,
    select: allItems,
    queryFn: () => readAppointments(from, to, practitionerId, qc.getQueryData<AppointmentList>(key)),
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

/** The changed appointment in every cached list that holds it; that page's ETag no longer names
 * what is cached, so the next poll reads it again. */
export function replaceCached(qc: QueryClient, changed: Appointment) {
  qc.setQueriesData<AppointmentList>({ queryKey: ["appointments"] }, (old) =>
    old && {
      pages: old.pages.map((p) =>
        p.data.some((x) => x.id === changed.id)
          ? { ...p, etag: null, data: p.data.map((x) => (x.id === changed.id ? changed : x)) }
          : p,
      ),
    },
  );
}

export async function getAppointment(id: string): Promise<Appointment> {
  return must(await api.GET("/api/v1/appointments/{id}", { params: { path: { id } } }));
}
