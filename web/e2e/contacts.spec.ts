// contacts.spec.ts - the contact list: type filter, search, infinite scroll, sort, filters kept
// in the URL, opening a record, creating a contact (and its duplicate), roles, axe and a phone.
import { test, expect, signIn, expectAccessible, type Api } from "./fixtures";

/** Makes `n` leads named Bulk<i> Scrollperson<i> through the API, ten at a time. */
async function makeLeads(api: Api, n: number, tag = "bulk") {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 10) {
    const batch = Array.from({ length: Math.min(10, n - start) }, (_, j) => start + j);
    const made = await Promise.all(
      batch.map((i) =>
        api.send("POST", "/api/v1/contacts", {
          type: "lead", first_name: `Bulk${i}`, last_name: `Scrollperson${String(i).padStart(2, "0")}`,
          email: `bulk${i}@example.net`, tags: [tag],
        }),
      ),
    );
    for (const r of made) {
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id);
    }
  }
  return ids;
}

const rows = (page: import("@playwright/test").Page) => page.getByRole("table", { name: "Patients & contacts" }).locator("tbody tr");

test("filter by type, search and scroll for more; a reload keeps the filters", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  await makeLeads(admin, 60);
  await signIn(page, clinic, "receptionist", "/contacts");
  await expect(page.getByRole("heading", { name: "Patients & contacts" })).toBeVisible();
  await expect(rows(page)).toHaveCount(25); // 64 contacts: the first page of 25

  await page.getByLabel("Type").selectOption("lead");
  await expect(page).toHaveURL(/type=lead/);
  await expect(page.getByTestId("contacts-count")).toHaveText("25 shown; scroll for more");
  await expect(rows(page).filter({ hasText: "Patient" })).toHaveCount(0);

  await page.getByTestId("contacts-count").scrollIntoViewIfNeeded();
  await expect(rows(page)).toHaveCount(50);
  await page.getByTestId("contacts-count").scrollIntoViewIfNeeded();
  await expect(rows(page)).toHaveCount(60);
  await expect(page.getByTestId("contacts-count")).toHaveText("60 shown");
  await expectAccessible(page);

  // search narrows within the type; no patient appears among leads
  await page.getByRole("searchbox", { name: "Search" }).fill("Scrollperson07");
  await expect(page).toHaveURL(/q=Scrollperson07/);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("Bulk7 Scrollperson07");
  await page.getByRole("searchbox", { name: "Search" }).fill("Olivia");
  await expect(page.getByText("No contacts match these filters.")).toBeVisible();

  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("Olivia");
  await expect(page.getByLabel("Type")).toHaveValue("lead");
  await page.getByLabel("Type").selectOption("");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("Olivia Testperson0");

  // open the record from the list; Back returns to the filtered list
  await rows(page).first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/contacts/${clinic.patients[0]!.id}$`));
  await expect(page.getByRole("heading", { level: 1, name: "Olivia Testperson0" })).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/q=Olivia/);
  await expect(rows(page)).toHaveCount(1);
});

test("sort by last name both ways, and by newest", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  for (const [first, last] of [["Zed", "Zulu"], ["Aaron", "Aardvark"], ["Mary", "Middleton"]]) {
    const r = await admin.send("POST", "/api/v1/contacts", { type: "customer", first_name: first, last_name: last });
    expect(r.status).toBe(201);
  }
  await signIn(page, clinic, "receptionist", "/contacts");
  await expect(rows(page).first()).toContainText("Mary Middleton"); // newest first by default
  await page.getByLabel("Sort by").selectOption("last_name");
  await expect(page).toHaveURL(/sort=last_name/);
  await expect(rows(page).first()).toContainText("Aaron Aardvark");
  await page.getByLabel("Sort by").selectOption("-last_name");
  await expect(rows(page).first()).toContainText("Zed Zulu");
  await expect(rows(page).last()).toContainText("Aaron Aardvark");
});

test("new contact: created, and a duplicate offers the existing record", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", "/contacts");
  await page.getByRole("button", { name: "New contact" }).click();
  const dialog = page.getByRole("dialog", { name: "New contact" });
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: "/tmp/contacts-new-1440.png" });
  await dialog.getByLabel("First name").fill("Nadia");
  await dialog.getByLabel("Last name").fill("Newcomer");
  await dialog.getByLabel("Email").fill("nadia@example.com");
  await dialog.getByRole("textbox", { name: "Date of birth" }).fill("05/03/1984");
  await dialog.getByRole("textbox", { name: "Date of birth" }).press("Tab");
  await dialog.getByRole("button", { name: "Create contact" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Nadia Newcomer" })).toBeVisible();
  const id = page.url().split("/").pop()!;
  const admin = await clinic.api("admin");
  const got = await admin.get(`/api/v1/contacts/${id}`);
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({ type: "patient", first_name: "Nadia", email: "nadia@example.com", date_of_birth: "1984-03-05" });

  // the same email again: the API answers 409, the dialog offers the existing record
  await page.goto("/contacts");
  await page.getByRole("button", { name: "New contact" }).click();
  await dialog.getByLabel("Last name").fill("Someone");
  await dialog.getByLabel("Email").fill("nadia@example.com");
  await dialog.getByRole("button", { name: "Create contact" }).click();
  await expect(dialog.getByText("A similar contact exists")).toBeVisible();
  await dialog.getByRole("button", { name: "Open existing" }).click();
  await expect(page).toHaveURL(new RegExp(`/contacts/${id}$`));
  const list = await admin.get("/api/v1/contacts?q=nadia");
  expect(list.body.data).toHaveLength(1);
});

test("a viewer sees no New contact button; an empty tenant says so", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  for (const p of clinic.patients) expect((await admin.send("DELETE", `/api/v1/contacts/${p.id}`)).status).toBe(204);
  await signIn(page, clinic, "viewer", "/contacts");
  await expect(page.getByText("No contacts yet.")).toBeVisible();
  await expect(page.getByRole("button", { name: "New contact" })).toHaveCount(0);
  await expect(page.getByLabel("Owner")).toHaveCount(0); // the viewer may not list users
  await expectAccessible(page);
});

test("the list on a phone: cards that fit, long names cut short", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  await admin.send("POST", "/api/v1/contacts", {
    type: "customer", first_name: "Bartholomew-Maximilian", last_name: "Featherstonehaugh-Cholmondeley-Worthington",
    email: "a.very.long.address.for.testing@example-hospital-trust.nhs.uk", tags: ["insurance", "vip", "referral"],
  });
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, clinic, "admin", "/contacts");
  await expect(rows(page)).toHaveCount(5);
  await expect(page.getByLabel("Owner")).toBeVisible(); // an admin may list users
  await page.screenshot({ path: "/tmp/contacts-list-1440.png" });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(rows(page).first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "/tmp/contacts-list-390.png", fullPage: true });
  await expectAccessible(page);
});
