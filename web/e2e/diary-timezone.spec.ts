// diary-timezone.spec.ts - the diary shows the clinic's time whatever the browser's: a browser
// in New York, a clinic in London, on ordinary days and on both of London's clock-change days
// (23 and 25 hours long), reading and booking.
import { test, expect, signIn, expectAccessible } from "./fixtures";
import { bookVia, columnIndex, slotPoint } from "./diary-helpers";

test.use({ timezoneId: "America/New_York" });

// 09:00 in London on each day, as an instant
const DAYS = [
  { day: "2027-03-27", heading: "Saturday 27/03/2027", at: "2027-03-27T09:00:00Z" }, // GMT
  { day: "2027-03-28", heading: "Sunday 28/03/2027", at: "2027-03-28T08:00:00Z" }, // clocks go forward at 01:00
  { day: "2026-10-25", heading: "Sunday 25/10/2026", at: "2026-10-25T09:00:00Z" }, // clocks go back at 02:00
];

test("a New York browser shows and books London times, clock changes included", async ({ page, clinic }) => {
  const api = await clinic.api("receptionist");
  for (const [i, d] of DAYS.entries()) await bookVia(api, clinic, { at: d.at, patient: i });
  await signIn(page, clinic, "receptionist", `/diary?date=${DAYS[0]!.day}`);
  expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe("America/New_York");
  const col = columnIndex(clinic, 0);
  for (const [i, d] of DAYS.entries()) {
    const date = page.getByRole("textbox", { name: "Date" });
    await date.fill(d.day.split("-").reverse().join("/"));
    await date.press("Enter");
    await expect(page.getByTestId("diary-heading")).toHaveText(d.heading);
    const name = new RegExp(`${clinic.patients[i]!.name}.*09:00–09:30`);
    const event = page.getByRole("button", { name });
    await expect(event).toBeVisible();
    // drawn in the 09:00 row, not at New York's 04:00 or 05:00
    const box = (await event.boundingBox())!;
    const nine = await slotPoint(page, col, "09:00", 0);
    expect(Math.abs(box.y - nine.y)).toBeLessThan(4);
  }

  // on the day the clocks go forward, a click at 10:00 books 10:00 London (09:00 UTC)
  await page.goto("/diary?date=2027-03-28");
  const pt = await slotPoint(page, col, "10:00");
  await page.mouse.click(pt.x, pt.y);
  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog.getByLabel("Time")).toHaveValue("10:00");
  await dialog.getByLabel("Find a patient").fill("Harry");
  await dialog.getByRole("option", { name: /Harry Testperson3/ }).click();
  await dialog.getByRole("button", { name: "Book" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: /Harry Testperson3.*10:00–10:30/ })).toBeVisible();
  const data = (await api.get(`/api/v1/appointments?patient_id=${clinic.patients[3]!.id}`)).body.data;
  expect(data.map((a: any) => a.appointment_time)).toEqual(["2027-03-28T09:00:00+00:00"]);
});

test("the date is typed as day/month/year or picked from a calendar", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", "/diary?date=2027-03-01");
  const date = page.getByRole("textbox", { name: "Date" });
  await expect(date).toHaveValue("01/03/2027");
  await date.fill("31/02/2027");
  await date.press("Enter");
  await expect(page.getByText("Write the date as day/month/year")).toBeVisible();
  await expect(page.getByTestId("diary-heading")).toHaveText("Monday 01/03/2027");

  // the calendar's code arrives on first use; picking a day moves the diary and closes it
  await page.getByRole("button", { name: "Choose a date from a calendar" }).click();
  await expect(page.getByRole("button", { name: "17 March 2027" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: "17 March 2027" }).click();
  await expect(page.getByTestId("diary-heading")).toHaveText("Wednesday 17/03/2027");
  await expect(page).toHaveURL(/date=2027-03-17/);
  await expect(date).toHaveValue("17/03/2027");
  await expect(page.getByText("Write the date as day/month/year")).toBeHidden();
});
