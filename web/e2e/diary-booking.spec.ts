// diary-booking.spec.ts - booking in the diary: a click on free time, the clash answer, outside
// hours (overbooking only for roles holding clinic.overbook), keyboard only, the free-slot
// finder, the record's "book again" link, and axe on the dialog.
import { test, expect, signIn, expectAccessible, type Role } from "./fixtures";
import { DAY, bookVia, columnIndex, openDiary, slotPoint } from "./diary-helpers";

test("a receptionist books by clicking free time", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await expect(page.getByTestId("diary-heading")).toHaveText("Monday 01/03/2027");
  const pt = await slotPoint(page, columnIndex(clinic, 1), "10:00");
  await page.mouse.click(pt.x, pt.y);
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Time")).toHaveValue("10:00");
  await expect(dialog.getByRole("textbox", { name: "Practitioner" })).toHaveValue("Dr Chidi Okafor");
  await expect(dialog.getByLabel("Clinical notes")).toHaveCount(0); // receptionists write no notes
  await dialog.getByLabel("Find a patient").fill("Olivia");
  await dialog.getByRole("option", { name: /Olivia Testperson0/ }).click();
  await dialog.getByLabel("Type").fill("Consultation");
  await dialog.getByLabel("Room").fill("R2");
  await expectAccessible(page, "[role=dialog]");
  await dialog.getByRole("button", { name: "Book" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: /Olivia Testperson0.*10:00–10:30/ })).toBeVisible();
  const api = await clinic.api("admin");
  const list = await api.get(`/api/v1/appointments?from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z`);
  expect(list.body.data).toHaveLength(1);
  const a = list.body.data[0];
  expect(a.practitioner_id).toBe(clinic.practitioners[1]!.id);
  expect(a.patient_id).toBe(clinic.patients[0]!.id);
  expect(a.appointment_time).toMatch(/^2027-03-01T10:00:00(\+00:00|Z)/);
  expect([a.duration_minutes, a.room, a.appointment_type, a.status]).toEqual([30, "R2", "Consultation", "booked"]);
});

test("a clash shows the appointment in the way", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  await bookVia(api, clinic, { at: `${DAY}T10:00:00Z`, patient: 1 });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await page.getByRole("button", { name: "New appointment" }).click();
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await dialog.getByLabel("Find a patient").fill("Amelia");
  await dialog.getByRole("option", { name: /Amelia Testperson2/ }).click();
  await dialog.getByLabel("Time").fill("10:15");
  await dialog.getByRole("textbox", { name: "Practitioner" }).click();
  await page.getByRole("option", { name: "Dr Priya Patel" }).click();
  await dialog.getByRole("button", { name: "Book" }).click();
  const clash = dialog.getByTestId("booking-clash");
  await expect(clash).toContainText("already booked at that time");
  await expect(clash).toContainText("George Testperson1, 01/03/2027 10:00–10:30 with Dr Priya Patel");
  const list = await api.get(`/api/v1/appointments?from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z`);
  expect(list.body.data.map((a: any) => a.patient_id)).toEqual([clinic.patients[1]!.id]);
});

for (const [role, offered] of [["receptionist", true], ["admin", true], ["practitioner", false]] as [Role, boolean][]) {
  test(`outside working hours: overbooking ${offered ? "offered to" : "not offered to"} the ${role}`, async ({ page, clinic }) => {
    await signIn(page, clinic, role, `/diary?date=${DAY}`);
    await page.getByRole("button", { name: "New appointment" }).click();
    const dialog = page.getByRole("dialog", { name: "Book an appointment" });
    await dialog.getByLabel("Find a patient").fill("Harry");
    await dialog.getByRole("option", { name: /Harry Testperson3/ }).click();
    await dialog.getByLabel("Time").fill("18:00");
    await dialog.getByRole("button", { name: "Book" }).click();
    await expect(dialog.getByTestId("booking-outside-hours")).toContainText("outside the practitioner's working hours");
    const api = await clinic.api("admin");
    const url = `/api/v1/appointments?from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z`;
    if (!offered) {
      await expect(dialog.getByLabel("Overbook anyway")).toHaveCount(0);
      await expect(dialog.getByTestId("booking-outside-hours")).toContainText("Choose another time");
      expect((await api.get(url)).body.data).toHaveLength(0);
      return;
    }
    await dialog.getByLabel("Overbook anyway").check();
    await dialog.getByRole("button", { name: "Book" }).click();
    await expect(dialog.getByText("Say why this is overbooked.")).toBeVisible();
    await dialog.getByLabel("Reason for overbooking").fill("Only evening free");
    await dialog.getByRole("button", { name: "Book" }).click();
    await expect(dialog).toBeHidden();
    const data = (await api.get(url)).body.data;
    expect(data).toHaveLength(1);
    expect(data[0].overbooked).toBe(true);
    expect(data[0].appointment_time).toMatch(/^2027-03-01T18:00:00/);
    await expect(page.getByRole("button", { name: /Harry Testperson3.*overbooked/ })).toBeVisible();
  });
}

test("a booking and a move made with the keyboard only", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await page.getByRole("button", { name: "New appointment" }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog.getByLabel("Find a patient")).toBeFocused();
  await page.keyboard.type("George");
  await expect(dialog.getByRole("option", { name: /George Testperson1/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(dialog.getByTestId("booking-patient")).toHaveText("George Testperson1");
  await dialog.getByLabel("Date").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("02/03/2027");
  await page.keyboard.press("Tab");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("11:30");
  await page.keyboard.press("Tab"); // the practitioner
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("textbox", { name: "Practitioner" })).toHaveValue("Dr Chidi Okafor");
  await dialog.getByRole("button", { name: "Book" }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  const api = await clinic.api("admin");
  const url = "/api/v1/appointments?from=2027-03-02T00:00:00Z&to=2027-03-03T00:00:00Z";
  let a = (await api.get(url)).body.data[0];
  expect([a.appointment_time.slice(0, 19), a.practitioner_id]).toEqual(["2027-03-02T11:30:00", clinic.practitioners[1]!.id]);

  // move it without a mouse: the appointment, Enter, Move, new time and practitioner
  await openDiary(page, "date=2027-03-02");
  const event = page.getByRole("button", { name: /George Testperson1/ });
  await event.focus();
  await page.keyboard.press("Enter");
  const drawer = page.getByRole("dialog", { name: "Appointment" });
  await drawer.getByRole("button", { name: "Move" }).focus();
  await page.keyboard.press("Enter");
  await drawer.getByLabel("Time").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("14:00");
  await page.keyboard.press("Tab");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await expect(drawer.getByRole("textbox", { name: "Practitioner" })).toHaveValue("Dr Priya Patel");
  await drawer.getByRole("button", { name: "Move it" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText(/Moved to 02\/03\/2027 14:00/)).toBeVisible();
  a = (await api.get(url)).body.data[0];
  expect(a.appointment_time.slice(0, 19)).toBe("2027-03-02T14:00:00");
  expect(a.practitioner_id).toBe(clinic.practitioners[0]!.id);
});

test("the free-slot finder books the slot chosen", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  // Dr Priya Patel's morning is taken but for 12:00
  for (const at of ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"])
    await bookVia(api, clinic, { at: `${DAY}T${at}:00Z`, patient: 1 });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await page.getByRole("button", { name: "Find a free slot" }).click();
  const finder = page.getByRole("dialog", { name: "Find a free slot" });
  for (const other of ["Dr Ana Silva", "Dr Chidi Okafor"]) await finder.getByLabel(other).uncheck();
  await expect(finder.getByRole("listitem").first()).toHaveText("Mon 01/03/2027 12:00 with Dr Priya Patel");
  await expectAccessible(page, "[role=dialog]");
  await finder.getByRole("button", { name: "Mon 01/03/2027 12:00 with Dr Priya Patel" }).click();
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog.getByLabel("Time")).toHaveValue("12:00");
  await dialog.getByLabel("Find a patient").fill("Harry");
  await dialog.getByRole("option", { name: /Harry Testperson3/ }).click();
  await dialog.getByRole("button", { name: "Book" }).click();
  await expect(dialog).toBeHidden();
  const data = (await api.get(`/api/v1/appointments?from=${DAY}T12:00:00Z&to=${DAY}T12:30:00Z`)).body.data;
  expect(data.map((a: any) => [a.patient_id, a.practitioner_id])).toEqual([[clinic.patients[3]!.id, clinic.practitioners[0]!.id]]);
});

test("book again from the record: /diary?book= opens the dialog with the patient", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}&book=${clinic.patients[2]!.id}`);
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog.getByTestId("booking-patient")).toHaveText("Amelia Testperson2");
  await expect(page).not.toHaveURL(/book=/);
  await dialog.getByLabel("Time").fill("15:00");
  await dialog.getByRole("button", { name: "Book" }).click();
  await expect(dialog).toBeHidden();
  const api = await clinic.api("admin");
  const data = (await api.get(`/api/v1/appointments?patient_id=${clinic.patients[2]!.id}`)).body.data;
  expect(data.map((a: any) => a.appointment_time.slice(0, 19))).toEqual(["2027-03-01T15:00:00"]);
});

test("a new patient is added inline; a duplicate offers the existing record", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await page.getByRole("button", { name: "New appointment" }).click();
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await dialog.getByRole("button", { name: "New patient" }).click();
  await dialog.getByLabel("First name").fill("Olivia");
  await dialog.getByLabel("Last name").fill("Testperson0");
  await dialog.getByLabel("Phone").fill("07700 900100"); // the fixture's patient 0
  await dialog.getByLabel("Date of birth").fill("10/01/1970");
  await dialog.getByRole("button", { name: "Add patient" }).click();
  await expect(dialog.getByRole("alert")).toContainText("already on file");
  await dialog.getByRole("button", { name: "Use existing" }).click();
  await expect(dialog.getByTestId("booking-patient")).toHaveText("Olivia Testperson0");
  await dialog.getByRole("button", { name: "Change patient" }).click();
  await dialog.getByRole("button", { name: "New patient" }).click();
  await dialog.getByLabel("First name").fill("Zara");
  await dialog.getByLabel("Last name").fill("Newcomer");
  await dialog.getByLabel("Date of birth").fill("31/02/1990");
  await dialog.getByRole("button", { name: "Add patient" }).click();
  await expect(dialog.getByText("Write the date as dd/mm/yyyy.")).toBeVisible();
  await dialog.getByLabel("Date of birth").fill("28/02/1990");
  await dialog.getByRole("button", { name: "Add patient" }).click();
  await expect(dialog.getByTestId("booking-patient")).toHaveText("Zara Newcomer");
  await dialog.getByRole("button", { name: "Book" }).click();
  await expect(dialog).toBeHidden();
  const api = await clinic.api("admin");
  const found = (await api.get("/api/v1/contacts?q=Newcomer")).body.data;
  expect(found.map((c: any) => [c.type, c.date_of_birth])).toEqual([["patient", "1990-02-28"]]);
  const data = (await api.get(`/api/v1/appointments?patient_id=${found[0].id}`)).body.data;
  expect(data).toHaveLength(1);
});
