// myday.spec.ts - the practitioner's "My day": today's appointments in clinic time and order,
// the patients' last notes as the API shows them, arrive/complete, the note editor, 412.
import { DateTime } from "luxon";
import { test, expect, signIn, signOut, expectAccessible, type Clinic } from "./fixtures";

/** An instant today (or days away) at a clinic wall-clock time, as ISO with its offset. */
function at(clinic: Clinic, hhmm: string, days = 0): string {
  const [h, m] = hhmm.split(":").map(Number);
  return DateTime.now().setZone(clinic.time_zone).plus({ days }).set({ hour: h, minute: m, second: 0, millisecond: 0 }).toISO()!;
}

async function book(clinic: Clinic, as: "receptionist" | "practitioner" | "admin", body: Record<string, unknown>) {
  const api = await clinic.api(as);
  const r = await api.send("POST", "/api/v1/appointments", { duration_minutes: 30, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; version: number };
}

test("a practitioner's day: in order, last notes, arrive, complete, notes saved", async ({ page, clinic }) => {
  const me = clinic.users.practitioner.id;
  const [p0, p1, p2] = clinic.patients;
  // booked out of order; another practitioner's appointment today is not on this day
  await book(clinic, "receptionist", { patient_id: p1!.id, practitioner_id: me, appointment_time: at(clinic, "11:00"), appointment_type: "Follow-up" });
  const first = await book(clinic, "receptionist", { patient_id: p0!.id, practitioner_id: me, appointment_time: at(clinic, "09:00"), appointment_type: "Physiotherapy", room: "2" });
  await book(clinic, "receptionist", { patient_id: p2!.id, practitioner_id: me, appointment_time: at(clinic, "10:00") });
  await book(clinic, "receptionist", { patient_id: p1!.id, practitioner_id: clinic.practitioners[1]!.id, appointment_time: at(clinic, "09:00") });
  // earlier notes: the practitioner's own (shown), a colleague's (the API hides it), a contact note
  await book(clinic, "practitioner", { patient_id: p0!.id, practitioner_id: me, appointment_time: at(clinic, "09:00", -7), notes: "Knee pain improving" });
  await book(clinic, "admin", { patient_id: p0!.id, practitioner_id: clinic.practitioners[1]!.id, appointment_time: at(clinic, "14:00", -3), notes: "Colleague's clinical note" });
  const admin = await clinic.api("admin");
  const note = await admin.send("POST", "/api/v1/activities", { type: "note", subject: "Allergy", body: "Allergic to penicillin", contact_id: p0!.id });
  expect(note.status, JSON.stringify(note.body)).toBe(201);

  // the names come with the appointments (patient_name): no read of each patient's contact
  const contactReads: string[] = [];
  page.on("request", (req) => {
    if (/\/api\/v1\/contacts\/[0-9a-f-]{36}$/.test(new URL(req.url()).pathname)) contactReads.push(req.url());
  });
  await signIn(page, clinic, "practitioner");
  await page.getByRole("navigation").getByRole("link", { name: "My day" }).click();
  await expect(page).toHaveURL(/\/my-day$/);
  const list = page.getByRole("list", { name: "Today's appointments" });
  const items = list.getByRole("listitem").filter({ has: page.getByRole("link") });
  await expect(items).toHaveCount(3);
  await expect(items.nth(0)).toContainText("09:00–09:30");
  await expect(items.nth(0)).toContainText(p0!.name);
  await expect(items.nth(0)).toContainText("Physiotherapy · Room 2");
  await expect(items.nth(1)).toContainText("10:00–10:30");
  await expect(items.nth(1)).toContainText(p2!.name);
  await expect(items.nth(2)).toContainText("11:00–11:30");
  await expect(items.nth(2)).toContainText(p1!.name);

  const card = items.nth(0);
  await expect(card.getByText("Knee pain improving")).toBeVisible();
  await expect(card.getByText("Allergic to penicillin")).toBeVisible();
  await expect(card).not.toContainText("Colleague's clinical note");
  await expect(card.getByRole("button", { name: /completed/ })).toHaveCount(0); // not arrived yet
  await expectAccessible(page);
  expect(contactReads).toEqual([]);

  await card.getByRole("button", { name: `Mark ${p0!.name} as arrived` }).click();
  await expect(card.getByText("Arrived", { exact: true })).toBeVisible();
  await expect(card.getByRole("button", { name: /as arrived/ })).toHaveCount(0);
  const prac = await clinic.api("practitioner");
  expect((await prac.get(`/api/v1/appointments/${first.id}`)).body.status).toBe("arrived");
  await card.getByRole("button", { name: `Mark ${p0!.name}'s appointment as completed` }).click();
  await expect(card.getByText("Completed", { exact: true })).toBeVisible();
  await expect(card.getByRole("button", { name: /arrived|completed/ })).toHaveCount(0);
  expect((await prac.get(`/api/v1/appointments/${first.id}`)).body.status).toBe("fulfilled");

  const editor = card.getByLabel(`Clinical notes for ${p0!.name}`);
  await editor.fill("Reviewed; continue physio twice a week");
  await card.getByRole("button", { name: "Save notes" }).click();
  await expect(page.getByText("Notes saved")).toBeVisible();
  await expect(card.getByRole("button", { name: "Save notes" })).toBeDisabled();
  expect((await prac.get(`/api/v1/appointments/${first.id}`)).body.notes).toBe("Reviewed; continue physio twice a week");

  await card.getByRole("link", { name: p0!.name }).click();
  await expect(page).toHaveURL(new RegExp(`/contacts/${p0!.id}$`));
});

test("an empty day says so; a non-practitioner is told My day is not theirs", async ({ page, clinic }) => {
  await signIn(page, clinic, "practitioner", "/my-day");
  await expect(page.getByText("No appointments today")).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
  await signIn(page, clinic, "receptionist", "/my-day");
  await expect(page.getByText(/not set up as a practitioner/)).toBeVisible();
  await expect(page.getByRole("navigation").getByRole("link", { name: "My day" })).toHaveCount(0);
});

test("a change made elsewhere meanwhile (412) is reloaded and said", async ({ page, clinic }) => {
  const me = clinic.users.practitioner.id;
  const p0 = clinic.patients[0]!;
  const a = await book(clinic, "receptionist", { patient_id: p0.id, practitioner_id: me, appointment_time: at(clinic, "15:00") });
  await signIn(page, clinic, "practitioner", "/my-day");
  const card = page.getByRole("listitem").filter({ hasText: p0.name });
  await expect(card.getByText("Booked", { exact: true })).toBeVisible();
  // the front desk moves the patient to another room while the page is open
  const desk = await clinic.api("receptionist");
  const r = await desk.send("PATCH", `/api/v1/appointments/${a.id}`, { room: "5" }, { "If-Match": `"${a.version}"` });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  await card.getByRole("button", { name: `Mark ${p0.name} as arrived` }).click();
  await expect(page.getByText(/Someone else changed this appointment/)).toBeVisible();
  await expect(card).toContainText("Room 5"); // reloaded
  expect((await desk.get(`/api/v1/appointments/${a.id}`)).body.status).toBe("booked");
  // the reloaded version can be changed
  await card.getByRole("button", { name: `Mark ${p0.name} as arrived` }).click();
  await expect(card.getByText("Arrived", { exact: true })).toBeVisible();
  expect((await desk.get(`/api/v1/appointments/${a.id}`)).body.status).toBe("arrived");
});
