// hours.ts - a practitioner's working time on one clinic day, as the server computes it
// (clinic_working_time): weekly hours plus extra hours minus time off, in wall-clock minutes
// from midnight; no weekly hours at all means no limit.
import { DateTime } from "luxon";
import type { Hours } from "./queries";

export type Span = [number, number]; // [from, to) minutes from midnight

export interface DayHours {
  /** null: no schedule, so any time is bookable */
  working: Span[] | null;
  off: { span: Span; reason: string | null }[];
}

const minutes = (hhmm: string | null | undefined, fallback: number) => {
  if (!hhmm) return fallback;
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
};

function subtract(spans: Span[], cut: Span): Span[] {
  return spans.flatMap(([a, b]): Span[] => {
    if (cut[1] <= a || cut[0] >= b) return [[a, b]];
    const out: Span[] = [];
    if (cut[0] > a) out.push([a, cut[0]]);
    if (cut[1] < b) out.push([cut[1], b]);
    return out;
  });
}

export function dayHours(hours: Hours | undefined, day: string): DayHours {
  if (!hours) return { working: null, off: [] };
  const weekday = DateTime.fromISO(day).weekday; // ISO, Monday = 1
  const todays = hours.exceptions.filter((e) => e.date === day);
  const off = todays
    .filter((e) => e.kind === "off")
    .map((e) => ({ span: [minutes(e.start, 0), minutes(e.end, 24 * 60)] as Span, reason: e.reason ?? null }));
  if (hours.weekly.length === 0) return { working: null, off };
  let working: Span[] = [
    ...hours.weekly.filter((w) => w.weekday === weekday).map((w): Span => [minutes(w.start, 0), minutes(w.end, 1440)]),
    ...todays.filter((e) => e.kind === "extra").map((e): Span => [minutes(e.start, 0), minutes(e.end, 1440)]),
  ];
  for (const o of off) working = subtract(working, o.span);
  return { working, off };
}

export function isWorking(d: DayHours, minute: number): boolean {
  if (d.off.some((o) => minute >= o.span[0] && minute < o.span[1])) return false;
  return d.working === null || d.working.some(([a, b]) => minute >= a && minute < b);
}
