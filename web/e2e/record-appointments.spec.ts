// record-appointments.spec.ts - the Clinic's section of the patient record: upcoming and past
// appointments in clinic time with practitioner and status, "show more", and "Book again".
import { DateTime } from "luxon";
import { test, expect, signIn, signOut, expectAccessible, type Clinic } from "./fixtures";

function at(clinic: Clinic, days: number, hhmm: string): string {
  const [h, m] = hhmm.split(":").map(Number);
  return DateTime.now().setZone(clinic.time_zone).plus({ days }).set({ hour: h, minute: m, second: 0, millisecond: 0 }).toISO()!;
}

test("a patient's upcoming and past appointments, more on demand, and Book again", async ({ page, clinic }) => {
  const patient = clinic.patients[0]!;
  const desk = await clinic.api("receptionist");
  const book = async (days: number, hhmm: string, who = 0, extra: Record<string, unknown> = {}) => {
    const r = await desk.send("POST", "/api/v1/appointments", {
      patient_id: patient.id, practitioner_id: clinic.practitioners[who]!.id,
      appointment_time: at(clinic, days, hhmm), duration_minutes: 30, ...extra,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string; version: number };
  };
  await book(3, "10:00", 1, { appointment_type: "Review" });
  await book(10, "14:00");
  // seven past ones, newest first on screen: 5 shown, then the rest
  for (let d = 1; d <= 7; d++) await book(-d * 7, "09:30", d % 2);
  const noshow = await book(-1, "16:00");
  const r = await desk.send("PATCH", `/api/v1/appointments/${noshow.id}`, { status: "noshow" }, { "If-Match": `"${noshow.version}"` });
  expect(r.status, JSON.stringify(r.body)).toBe(200);

  await signIn(page, clinic, "receptionist", `/contacts/${patient.id}`);
  const panel = page.getByRole("region", { name: "Appointments" });
  const upcoming = panel.getByRole("list", { name: /Upcoming/ }).getByRole("listitem");
  const past = panel.getByRole("list", { name: /Past/ }).getByRole("listitem");
  await expect(upcoming).toHaveCount(2);
  const soon = DateTime.fromISO(at(clinic, 3, "10:00"), { zone: clinic.time_zone });
  await expect(upcoming.nth(0)).toContainText(`${soon.toFormat("dd/MM/yyyy")} 10:00`);
  await expect(upcoming.nth(0)).toContainText("Review");
  await expect(upcoming.nth(0)).toContainText(`with ${clinic.practitioners[1]!.full_name}`);
  await expect(upcoming.nth(0)).toContainText("Booked");
  await expect(past).toHaveCount(5);
  await expect(past.nth(0)).toContainText("16:00");
  await expect(past.nth(0)).toContainText("No-show");
  await expectAccessible(page);
  await panel.getByRole("button", { name: "Show more past appointments" }).click();
  await expect(past).toHaveCount(8);
  await expect(panel.getByRole("button", { name: /Show more/ })).toHaveCount(0);

  await panel.getByRole("button", { name: `Book again for ${patient.name}` }).click();
  // the diary takes ?book= off the address once it has opened the booking for that patient
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId("booking-patient")).toHaveText(patient.name);
  await expect(page).toHaveURL(/\/diary(\?|$)/);
});

test("a patient with no appointments; a role that may not book sees no button", async ({ page, clinic }) => {
  const patient = clinic.patients[1]!;
  await signIn(page, clinic, "practitioner", `/contacts/${patient.id}`);
  const panel = page.getByRole("region", { name: "Appointments" });
  await expect(panel.getByText("No upcoming appointments")).toBeVisible();
  await expect(panel.getByText("No past appointments")).toBeVisible();
  await expect(panel.getByRole("button", { name: `Book an appointment for ${patient.name}` })).toBeVisible();
  await expectAccessible(page);
  // the Viewer reads the diary but may not see whose appointments they are: no section
  await signOut(page);
  await signIn(page, clinic, "viewer", `/contacts/${patient.id}`);
  await expect(page.getByRole("heading", { level: 1, name: patient.name })).toBeVisible();
  await expect(page.getByRole("region", { name: "Appointments" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Book/ })).toHaveCount(0);
});
