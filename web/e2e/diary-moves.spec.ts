// diary-moves.spec.ts - changing appointments in the diary: drag to move, across practitioner
// columns, a 412 when someone else changed it first, status actions, cancel with a reason,
// roles (practitioners drag only their own, the viewer writes nothing, the auditor has no
// diary), other users' changes polled in (an unchanged list answers 304), and axe on the day
// and week views.
import { test, expect, signIn, expectAccessible } from "./fixtures";
import { DAY, bookVia, columnIndex, dragTo, slotPoint } from "./diary-helpers";

test("drag to move, then across practitioner columns", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  const a = await bookVia(api, clinic, { at: `${DAY}T09:00:00Z`, practitioner: 0 });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  const col = columnIndex(clinic, 0);
  await dragTo(page, /Olivia Testperson0/, col, "11:00");
  await expect(page.getByText(/Moved to 01\/03\/2027 11:00, Dr Priya Patel/)).toBeVisible();
  let got = (await api.get(`/api/v1/appointments/${a.id}`)).body;
  expect([got.appointment_time.slice(0, 19), got.practitioner_id, got.version]).toEqual(["2027-03-01T11:00:00", clinic.practitioners[0]!.id, 2]);
  await expect(page.getByRole("button", { name: /Olivia Testperson0.*11:00–11:30/ })).toBeVisible();

  await dragTo(page, /Olivia Testperson0/, columnIndex(clinic, 2), "14:00");
  await expect(page.getByText(/Moved to 01\/03\/2027 14:00, Dr Ana Silva/)).toBeVisible();
  got = (await api.get(`/api/v1/appointments/${a.id}`)).body;
  expect([got.appointment_time.slice(0, 19), got.practitioner_id, got.practitioner_name]).toEqual(
    ["2027-03-01T14:00:00", clinic.practitioners[2]!.id, "Dr Ana Silva"]);
});

test("a drag onto a clash returns the appointment with the reason", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  const a = await bookVia(api, clinic, { at: `${DAY}T09:00:00Z`, practitioner: 0 });
  await bookVia(api, clinic, { at: `${DAY}T11:00:00Z`, practitioner: 1, patient: 1 });
  await signIn(page, clinic, "practitioner", `/diary?date=${DAY}`); // moves own, no overbooking
  await dragTo(page, /Olivia Testperson0/, columnIndex(clinic, 0), "12:30");
  await expect(page.getByText(/The time is outside the practitioner's working hours.*back in its place/)).toBeVisible();
  await expect(page.getByRole("button", { name: /Olivia Testperson0.*09:00–09:30/ })).toBeVisible();
  expect((await api.get(`/api/v1/appointments/${a.id}`)).body.version).toBe(1);
});

test("a change made elsewhere first: 412, the diary reloads and says so", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  const a = await bookVia(api, clinic, { at: `${DAY}T09:00:00Z` });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await expect(page.getByRole("button", { name: /Olivia Testperson0/ })).toBeVisible();
  // this page keeps the list it has (its polls fail) while another user moves it
  let lists = 0;
  await page.route("**/api/v1/appointments?*", async (route) => {
    lists++;
    await route.abort();
  });
  const other = await clinic.api("admin");
  const moved = await other.send("PATCH", `/api/v1/appointments/${a.id}`, { appointment_time: `${DAY}T15:00:00Z` }, { "If-Match": '"1"' });
  expect(moved.status).toBe(200);
  await dragTo(page, /Olivia Testperson0/, columnIndex(clinic, 0), "11:00");
  await expect(page.getByText("Someone else changed this appointment meanwhile. The diary has been reloaded: look again and retry.")).toBeVisible();
  await page.unroute("**/api/v1/appointments?*");
  await expect(page.getByRole("button", { name: /Olivia Testperson0.*15:00–15:30/ })).toBeVisible({ timeout: 15_000 });
  const got = (await api.get(`/api/v1/appointments/${a.id}`)).body;
  expect([got.appointment_time.slice(0, 19), got.version]).toEqual(["2027-03-01T15:00:00", 2]);
  expect(lists).toBeGreaterThan(0);
});

test("status actions: arrived, then completed", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  const a = await bookVia(api, clinic, { at: `${DAY}T10:00:00Z` });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await page.getByRole("button", { name: /Olivia Testperson0/ }).click();
  const drawer = page.getByRole("dialog", { name: "Appointment" });
  await expect(drawer.getByTestId("appointment-status")).toHaveText("Booked");
  await expect(drawer.getByRole("button", { name: "Completed" })).toHaveCount(0); // not from booked
  await expectAccessible(page, "[role=dialog]");
  await drawer.getByRole("button", { name: "Arrived" }).click();
  await expect(drawer.getByTestId("appointment-status")).toHaveText("Arrived");
  expect((await api.get(`/api/v1/appointments/${a.id}`)).body.status).toBe("arrived");
  await expect(drawer.getByRole("button", { name: "No-show" })).toHaveCount(0);
  await drawer.getByRole("button", { name: "Completed" }).click();
  await expect(drawer.getByTestId("appointment-status")).toHaveText("Completed");
  expect((await api.get(`/api/v1/appointments/${a.id}`)).body.status).toBe("fulfilled");
  await expect(drawer.getByRole("group", { name: "Change status" })).toHaveCount(0);
  await expect(drawer.getByRole("button", { name: "Move" })).toHaveCount(0);
});

test("cancel with a reason: hidden, then shown by the toggle", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  const a = await bookVia(api, clinic, { at: `${DAY}T10:00:00Z` });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await page.getByRole("button", { name: /Olivia Testperson0/ }).click();
  const drawer = page.getByRole("dialog", { name: "Appointment" });
  await drawer.getByRole("button", { name: "Cancel appointment" }).click();
  await drawer.getByRole("button", { name: "Cancel the appointment" }).click();
  await expect(drawer.getByText("Say why the appointment is cancelled.")).toBeVisible();
  await drawer.getByLabel("Reason for cancelling").fill("Patient has flu");
  await drawer.getByRole("button", { name: "Cancel the appointment" }).click();
  await expect(drawer).toBeHidden();
  await expect(page.getByRole("button", { name: /Olivia Testperson0/ })).toHaveCount(0);
  const got = (await api.get(`/api/v1/appointments/${a.id}`)).body;
  expect([got.status, got.cancel_reason]).toEqual(["cancelled", "Patient has flu"]);
  // the switch follows the URL (?cancelled=1), which the router updates after the click: wait
  // for it rather than check(), which reads the state at once
  await page.getByLabel("Show cancelled").click();
  await expect(page.getByLabel("Show cancelled")).toBeChecked();
  await expect(page.getByRole("button", { name: /Olivia Testperson0.*Cancelled/ })).toBeVisible();
  await page.getByRole("button", { name: /Olivia Testperson0/ }).click();
  await expect(drawer.getByTestId("appointment-cancel-reason")).toHaveText("Patient has flu");
});

test("a practitioner drags their own appointments, not another's", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  const theirs = await bookVia(api, clinic, { at: `${DAY}T09:00:00Z`, practitioner: 1, patient: 1 });
  const mine = await bookVia(api, clinic, { at: `${DAY}T09:00:00Z`, practitioner: 0, patient: 0 });
  await signIn(page, clinic, "practitioner", `/diary?date=${DAY}`);
  await dragTo(page, /George Testperson1/, columnIndex(clinic, 1), "11:00");
  await dragTo(page, /Olivia Testperson0/, columnIndex(clinic, 0), "11:00");
  await expect(page.getByText(/Moved to 01\/03\/2027 11:00/)).toBeVisible();
  expect((await api.get(`/api/v1/appointments/${mine.id}`)).body.appointment_time.slice(0, 19)).toBe("2027-03-01T11:00:00");
  expect((await api.get(`/api/v1/appointments/${theirs.id}`)).body.version).toBe(1);
  await page.getByRole("button", { name: /George Testperson1/ }).click();
  const drawer = page.getByRole("dialog", { name: "Appointment" });
  await expect(drawer.getByText("Practitioners change only their own appointments.")).toBeVisible();
  await expect(drawer.getByRole("button", { name: "Arrived" })).toHaveCount(0);
});

test("the viewer sees the diary without write buttons; the auditor has no diary", async ({ page, clinic, browser }) => {
  const api = await clinic.api("receptionist");
  const a = await bookVia(api, clinic, { at: `${DAY}T09:00:00Z`, extra: { appointment_type: "Consultation" } });
  await signIn(page, clinic, "viewer", `/diary?date=${DAY}`);
  const event = page.getByRole("button", { name: /Consultation.*09:00–09:30/ });
  await expect(event).toBeVisible();
  await expect(page.getByText("Olivia Testperson0")).toHaveCount(0); // no patient names for the viewer
  await expect(page.getByRole("button", { name: "New appointment" })).toHaveCount(0);
  const pt = await slotPoint(page, columnIndex(clinic, 0), "11:00");
  await page.mouse.click(pt.x, pt.y);
  await expect(page.getByRole("dialog", { name: "Book an appointment" })).toHaveCount(0);
  await dragTo(page, /Consultation/, columnIndex(clinic, 0), "11:00");
  await event.click();
  const drawer = page.getByRole("dialog", { name: "Appointment" });
  await expect(drawer.getByTestId("appointment-status")).toHaveText("Booked");
  await expect(drawer.getByRole("button", { name: /Arrived|Move|Cancel/ })).toHaveCount(0);
  expect((await api.get(`/api/v1/appointments/${a.id}`)).body.version).toBe(1);

  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await signIn(other, clinic, "auditor", "/diary");
  await expect(other.getByRole("link", { name: "Diary" })).toHaveCount(0);
  await expect(other.getByText("Your role may not see the diary.")).toBeVisible();
  await ctx.close();
});

test("another user's new appointment appears within 15 s", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  await expectAccessible(page);
  await page.getByText("Week", { exact: true }).click();
  await expect(page.getByTestId("diary-heading")).toHaveText("01/03 – 07/03/2027");
  await expect(page.getByText("Tue 02/03")).toBeVisible();
  await expectAccessible(page);
  await page.getByText("Day", { exact: true }).click();
  const api = await clinic.api("admin");
  await bookVia(api, clinic, { at: `${DAY}T13:30:00Z`, practitioner: 2, patient: 3 });
  await expect(page.getByRole("button", { name: /Harry Testperson3.*13:30–14:00/ })).toBeVisible({ timeout: 15_000 });
});

test("a poll with no change gets 304 and the diary keeps what it shows", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  await bookVia(api, clinic, { at: `${DAY}T09:00:00Z` });
  const isList = (url: string) => new URL(url).pathname === "/api/v1/appointments";
  const tags = new Map<string, string>(); // list URL -> the ETag of its last 200
  page.on("response", (r) => {
    if (isList(r.url()) && r.status() === 200) tags.set(r.url(), r.headers()["etag"] ?? "");
  });
  const unchanged = page.waitForResponse((r) => isList(r.url()) && r.status() === 304, { timeout: 15_000 });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  const event = page.getByRole("button", { name: /Olivia Testperson0.*09:00–09:30/ });
  await expect(event).toBeVisible();
  const poll = await unchanged;
  expect(tags.get(poll.url())).toMatch(/^W\/"[0-9a-f]{32}"$/);
  expect(poll.request().headers()["if-none-match"]).toBe(tags.get(poll.url()));
  expect(poll.headers()["etag"]).toBe(tags.get(poll.url()));
  // the 304 is no error: the poll settles, the data stays, nothing is retried
  await expect(page.getByLabel("Updating")).toHaveCount(0);
  await expect(event).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("the practitioner filter narrows the day's columns and the week shows one practitioner", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", `/diary?date=${DAY}`);
  const headers = page.locator(".rbc-time-header-content .rbc-row-resource");
  await expect(headers).toHaveText(["Dr Ana Silva", "Dr Chidi Okafor", "Dr Priya Patel"]);
  const filter = page.getByRole("button", { name: "Practitioners: all" });
  await filter.click();
  await expect(page.getByRole("group", { name: "Practitioners" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("checkbox", { name: "Dr Chidi Okafor" }).click();
  await expect(headers).toHaveText(["Dr Ana Silva", "Dr Priya Patel"]);
  await expect(page.getByRole("button", { name: "Practitioners: 2 of 3" })).toBeVisible();
  await page.getByRole("button", { name: "Show all" }).click();
  await expect(headers).toHaveCount(3);
  await page.keyboard.press("Escape");

  // the week view: one practitioner, chosen from a plain select
  await page.getByText("Week", { exact: true }).click();
  const who = page.getByRole("combobox", { name: "Practitioner" });
  await who.selectOption({ label: "Dr Ana Silva" });
  await expect(page).toHaveURL(new RegExp(`w=${clinic.practitioners[2]!.id}`));
});
