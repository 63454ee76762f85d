// diary-helpers.ts - what the diary's tests share: booking through the API, opening the diary
// on a date, and where on the screen a practitioner's column shows a time (for mouse drags).
import { expect, type Page } from "@playwright/test";
import type { Api, Clinic } from "./fixtures";

/** A Monday in the future, inside the fixture's working hours (09:00-12:30, 13:30-17:00). */
export const DAY = "2027-03-01";

export async function bookVia(api: Api, clinic: Clinic, opts: {
  at: string; // ISO with offset
  practitioner?: number;
  patient?: number;
  minutes?: number;
  extra?: Record<string, unknown>;
}) {
  const r = await api.send("POST", "/api/v1/appointments", {
    patient_id: clinic.patients[opts.patient ?? 0]!.id,
    practitioner_id: clinic.practitioners[opts.practitioner ?? 0]!.id,
    appointment_time: opts.at,
    duration_minutes: opts.minutes ?? 30,
    ...opts.extra,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; version: number; practitioner_id: string; appointment_time: string };
}

export async function openDiary(page: Page, query: string) {
  await page.goto(`/diary?${query}`);
  await expect(page.getByRole("heading", { name: "Diary" })).toBeVisible();
}

/** The practitioners' columns in day view, in the order shown (by name). */
export function columnIndex(clinic: Clinic, practitioner: number): number {
  const names = clinic.practitioners.map((p) => p.full_name).sort();
  return names.indexOf(clinic.practitioners[practitioner]!.full_name);
}

/** The screen point of wall-clock time hh:mm in column col of the time grid (day view: a
 * practitioner; week view: a weekday), below the slot's top by `below` pixels. */
export async function slotPoint(page: Page, col: number, hhmm: string, below = 9): Promise<{ x: number; y: number }> {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  const label = page.locator(".rbc-time-gutter .rbc-timeslot-group").filter({ hasText: `${String(h).padStart(2, "0")}:00` });
  await label.first().scrollIntoViewIfNeeded();
  const g = (await label.first().boundingBox())!;
  const column = (await page.locator(".rbc-time-content .rbc-day-slot").nth(col).boundingBox())!;
  return { x: column.x + column.width / 2, y: g.y + (g.height * m) / 60 + below };
}

/** Drags the appointment named by its middle (its edges resize it) so that its top lands on
 * hh:mm of column col. */
export async function dragTo(page: Page, name: RegExp, col: number, hhmm: string) {
  const box = (await page.getByRole("button", { name }).boundingBox())!;
  const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await drag(page, from, await slotPoint(page, col, hhmm, box.height / 2 + 3));
}

/** Drags with the mouse from one point to another in steps, as react-big-calendar needs. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x, from.y + 8, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}
