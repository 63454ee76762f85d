// contacts-record.spec.ts - the contact record: edit with If-Match (saved, and 412 when changed
// meanwhile), field errors, consent, custom fields, notes in the timeline, GDPR export and erase,
// merging duplicates, what a viewer and sales see, axe, and a phone.
import { readFile } from "node:fs/promises";
import { test, expect, signIn, expectAccessible, type Clinic } from "./fixtures";

const details = (page: import("@playwright/test").Page) => page.getByRole("region", { name: "Details" });

async function openRecord(page: import("@playwright/test").Page, clinic: Clinic, role: Parameters<typeof signIn>[2], id: string, name: string) {
  await signIn(page, clinic, role, `/contacts/${id}`);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
}

test("edit saves with If-Match; a change made meanwhile answers 412 and the record reloads", async ({ page, clinic }) => {
  const p = clinic.patients[0]!;
  const admin = await clinic.api("admin");
  const reads: string[] = []; // each read of a patient writes an audit row: one per visit
  page.on("request", (r) => {
    if (r.method() === "GET" && r.url().endsWith(`/api/v1/contacts/${p.id}`)) reads.push(r.url());
  });
  await openRecord(page, clinic, "receptionist", p.id, p.name);
  await expect(page.getByTestId("panel-appointments")).toBeVisible(); // the Clinic's section, rendered generically
  await expectAccessible(page);
  await page.screenshot({ path: "/tmp/contact-record-1440.png", fullPage: true });

  await details(page).getByRole("button", { name: "Edit details" }).click();
  await details(page).getByLabel("Phone").fill("07700 900999");
  await details(page).getByLabel("Company").fill("Riverside Rowing Club");
  await details(page).getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(details(page)).toContainText("Riverside Rowing Club");
  let got = await admin.get(`/api/v1/contacts/${p.id}`);
  expect(got.body).toMatchObject({ phone: "+447700900999", company: "Riverside Rowing Club", version: 2 });
  expect(reads).toHaveLength(1); // the save's answer replaced the cached contact: no second read

  // someone else changes the contact while this user edits it
  await details(page).getByRole("button", { name: "Edit details" }).click();
  await details(page).getByLabel("First name").fill("Liv");
  const other = await clinic.api("practitioner");
  const theirs = await other.send("PATCH", `/api/v1/contacts/${p.id}`, { last_name: "Changed-Elsewhere" }, { "If-Match": got.etag! });
  expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);
  await details(page).getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/Someone else changed this contact meanwhile/)).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "Olivia Changed-Elsewhere" })).toBeVisible();
  got = await admin.get(`/api/v1/contacts/${p.id}`);
  expect(got.body).toMatchObject({ first_name: "Olivia", last_name: "Changed-Elsewhere", version: 3 });
});

test("a 422 lands next to its field; consent switches save", async ({ page, clinic }) => {
  const p = clinic.patients[1]!;
  const admin = await clinic.api("admin");
  await openRecord(page, clinic, "receptionist", p.id, p.name);
  await details(page).getByRole("button", { name: "Edit details" }).click();
  const email = details(page).getByLabel("Email");
  await email.fill("not-an-email");
  await details(page).getByRole("button", { name: "Save" }).click();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(email).toHaveAccessibleDescription(/must be an email address/);
  expect((await admin.get(`/api/v1/contacts/${p.id}`)).body.email).toBe("george.1@example.org");
  await expectAccessible(page);
  await details(page).getByRole("button", { name: "Cancel" }).click();

  const consent = page.getByRole("region", { name: "Consent" });
  const sms = consent.getByRole("switch", { name: "SMS reminders" });
  await expect(sms).not.toBeChecked();
  await sms.click({ force: true });
  await expect(page.getByText("Consent saved.")).toBeVisible();
  await expect(sms).toBeChecked();
  const got = await admin.get(`/api/v1/contacts/${p.id}`);
  expect(got.body.consent.sms_reminders).toBe(true);
  expect(got.body.consent_updated_at.sms_reminders).toBeTruthy();
  await expect(consent).toContainText("changed ");
});

test("custom fields render from their definitions with their validation", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  for (const def of [
    { entity: "contact", name: "insurer", label: "Insurer", type: "select", options: ["Bupa", "AXA Health", "Vitality"] },
    { entity: "contact", name: "policy_number", label: "Policy number", type: "text", required: true },
    { entity: "contact", name: "visits_allowed", label: "Visits allowed", type: "number" },
    { entity: "contact", name: "referred_on", label: "Referred on", type: "date" },
  ]) expect((await admin.send("POST", "/api/v1/custom-fields", def)).status).toBe(201);
  const p = clinic.patients[2]!;
  await openRecord(page, clinic, "receptionist", p.id, p.name);
  await expect(details(page)).toContainText("Policy number");
  await details(page).getByRole("button", { name: "Edit details" }).click();
  await details(page).getByLabel("Insurer").selectOption("AXA Health");
  await details(page).getByLabel("Visits allowed").fill("6");
  await details(page).getByRole("textbox", { name: "Referred on" }).fill("31/01/2025"); // dd/MM/yyyy whatever the browser
  await details(page).getByRole("textbox", { name: "Referred on" }).press("Tab");
  await details(page).getByRole("button", { name: "Save" }).click();
  const policy = details(page).getByLabel(/Policy number/);
  await expect(policy).toHaveAttribute("aria-invalid", "true"); // required: refused before asking
  await policy.fill("AXA-12345");
  await details(page).getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(details(page)).toContainText("AXA-12345");
  await expect(details(page)).toContainText("31/01/2025");
  const got = await admin.get(`/api/v1/contacts/${p.id}`);
  expect(got.body.custom_fields).toEqual({ insurer: "AXA Health", policy_number: "AXA-12345", visits_allowed: 6, referred_on: "2025-01-31" });
});

test("a note added appears in the timeline", async ({ page, clinic }) => {
  const p = clinic.patients[3]!;
  await openRecord(page, clinic, "receptionist", p.id, p.name);
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("Nothing has happened with this contact yet.");
  await timeline.getByLabel("Subject").fill("Asked to be called back after 2 pm");
  await timeline.getByLabel("Text").fill("Prefers the mobile number.");
  await timeline.getByRole("button", { name: "Add" }).click();
  await expect(page.getByText("Note added.")).toBeVisible();
  await expect(timeline.getByRole("listitem").first()).toContainText("Asked to be called back after 2 pm");
  await expect(timeline.getByLabel("Subject")).toHaveValue("");
  const api = await clinic.api("admin");
  const acts = await api.get(`/api/v1/activities?contact_id=${p.id}`);
  expect(acts.body.data).toHaveLength(1);
  expect(acts.body.data[0]).toMatchObject({ type: "note", subject: "Asked to be called back after 2 pm", body: "Prefers the mobile number." });
});

test("the timeline pages back through older entries", async ({ page, clinic }) => {
  const p = clinic.patients[2]!;
  const api = await clinic.api("receptionist");
  for (let i = 0; i < 23; i++) {
    const r = await api.send("POST", "/api/v1/activities", { type: i % 2 ? "call" : "note", subject: `Entry number ${i}`, contact_id: p.id, priority: "normal" });
    expect(r.status).toBe(201);
  }
  await openRecord(page, clinic, "viewer", p.id, p.name);
  const items = page.getByTestId("timeline").getByRole("listitem");
  await expect(items).toHaveCount(20);
  await expect(items.first()).toContainText("Entry number 22");
  await page.getByRole("button", { name: "Show older" }).click();
  await expect(items).toHaveCount(23);
  await expect(items.last()).toContainText("Entry number 0");
  await expect(page.getByRole("button", { name: "Show older" })).toHaveCount(0);
});

test("export downloads the person's data as JSON", async ({ page, clinic }) => {
  const p = clinic.patients[0]!;
  await openRecord(page, clinic, "admin", p.id, p.name);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download data" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`contact-${p.id}.json`);
  const doc = JSON.parse(await readFile((await download.path())!, "utf8"));
  expect(doc.contact).toMatchObject({ id: p.id, first_name: "Olivia", last_name: "Testperson0" });
  expect(doc).toHaveProperty("activities");
  expect(doc).toHaveProperty("exported_at");
  await expect(page.getByText("The export was downloaded.")).toBeVisible();
});

test("erase needs the typed name, then the record is gone", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  const made = await admin.send("POST", "/api/v1/contacts", { type: "lead", first_name: "Erin", last_name: "Erasable", email: "erin@example.com" });
  expect(made.status).toBe(201);
  await openRecord(page, clinic, "admin", made.body.id, "Erin Erasable");
  await page.getByRole("button", { name: "Erase…" }).click();
  const dialog = page.getByRole("dialog", { name: "Erase this person’s data" });
  const confirm = dialog.getByRole("button", { name: "Erase for good" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type “Erin Erasable” to confirm/).fill("Erin");
  await expect(confirm).toBeDisabled();
  await expectAccessible(page);
  await dialog.getByLabel(/Type “Erin Erasable” to confirm/).fill("Erin Erasable");
  await confirm.click();
  await expect(page.getByText("Erin Erasable was erased.")).toBeVisible();
  await expect(page).toHaveURL(/\/contacts$/);
  expect([404, 410]).toContain((await admin.get(`/api/v1/contacts/${made.body.id}`)).status);
  await page.goto(`/contacts/${made.body.id}`);
  await expect(page.getByText("This contact cannot be shown.")).toBeVisible();
});

test("a module's refusal to erase is shown", async ({ page, clinic }) => {
  const p = clinic.patients[1]!;
  const reception = await clinic.api("receptionist");
  const day = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
  const appt = await reception.send("POST", "/api/v1/appointments", {
    patient_id: p.id, practitioner_id: clinic.practitioners[0]!.id,
    appointment_time: `${day}T10:00:00Z`, duration_minutes: 30,
  });
  expect(appt.status, JSON.stringify(appt.body)).toBe(201);
  await openRecord(page, clinic, "admin", p.id, p.name);
  // the Clinic's entry is in the timeline too
  await expect(page.getByTestId("timeline").getByRole("listitem").first()).toContainText(`practitioner name: ${clinic.practitioners[0]!.full_name}`);
  await page.getByRole("button", { name: "Erase…" }).click();
  const dialog = page.getByRole("dialog", { name: "Erase this person’s data" });
  await dialog.getByLabel(/to confirm/).fill(p.name);
  await dialog.getByRole("button", { name: "Erase for good" }).click();
  await expect(dialog.getByRole("alert")).toContainText("The erasure was refused");
  await expect(dialog.getByRole("alert")).toContainText("a module must keep this person's records");
  const admin = await clinic.api("admin");
  expect((await admin.get(`/api/v1/contacts/${p.id}`)).status).toBe(200);
});

test("merge two duplicates: pick, preview side by side, confirm", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  const a = await admin.send("POST", "/api/v1/contacts", { type: "customer", first_name: "Harriet", last_name: "Duplicate", email: "harriet@example.com" });
  const b = await admin.send("POST", "/api/v1/contacts?allow_duplicate=true", { type: "customer", first_name: "Harriet", last_name: "Duplicate", phone: "07700 900555" });
  expect([a.status, b.status]).toEqual([201, 201]);
  await openRecord(page, clinic, "receptionist", a.body.id, "Harriet Duplicate");
  await page.getByRole("button", { name: "Merge duplicate…" }).click();
  const dialog = page.getByRole("dialog", { name: "Merge a duplicate" });
  await dialog.getByLabel("Find the duplicate").fill("Harriet Dup");
  const candidate = dialog.getByRole("listitem").filter({ hasText: "Harriet Duplicate" });
  await expect(candidate).toHaveCount(1); // the record itself is not offered
  await candidate.getByRole("button").click();
  const table = dialog.getByRole("table", { name: "Merge a duplicate" });
  await expect(table).toContainText("harriet@example.com");
  await expect(table).toContainText("+447700900555");
  await expectAccessible(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "/tmp/contact-merge-390.png" });
  await page.setViewportSize({ width: 1440, height: 900 });
  await dialog.getByRole("button", { name: "Merge", exact: true }).click();
  await expect(page.getByText("The contacts were merged.")).toBeVisible();
  await expect(details(page)).toContainText("+447700900555"); // filled from the duplicate
  expect((await admin.get(`/api/v1/contacts/${b.body.id}`)).status).toBe(404);
  const survivor = await admin.get(`/api/v1/contacts/${a.body.id}/export`);
  expect(survivor.body.merges.map((m: { source_id: string }) => m.source_id)).toEqual([b.body.id]);
});

test("a viewer sees the record without write buttons", async ({ page, clinic }) => {
  const p = clinic.patients[0]!;
  await openRecord(page, clinic, "viewer", p.id, p.name);
  await expect(details(page)).toContainText("olivia.0@example.org");
  for (const name of ["Edit details", "Merge duplicate…", "Download data", "Erase…", "Add"])
    await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
  await expect(page.getByRole("switch", { name: "Email marketing" })).toBeDisabled();
  await expectAccessible(page);
});

test("sales sees a patient without the Clinic's sections; a forbidden record is told so", async ({ page, clinic }) => {
  const p = clinic.patients[0]!;
  const sales = await clinic.api("sales");
  const answer = (await sales.get(`/api/v1/contacts/${p.id}`)).status;
  await signIn(page, clinic, "sales", `/contacts/${p.id}`);
  if (answer === 200) await expect(page.getByRole("heading", { level: 1, name: p.name })).toBeVisible();
  else await expect(page.getByText("This contact cannot be shown.")).toBeVisible();
  await expect(page.getByTestId("panel-appointments")).toHaveCount(0); // the Clinic is not for sales
  await page.goto("/contacts/00000000-0000-4000-8000-000000000000");
  await expect(page.getByText("This contact cannot be shown.")).toBeVisible();
});

test("an auditor, who may not read contacts, is told so on the record and the list", async ({ page, clinic }) => {
  const p = clinic.patients[0]!;
  const auditor = await clinic.api("auditor");
  expect((await auditor.get(`/api/v1/contacts/${p.id}`)).status).toBe(403);
  await signIn(page, clinic, "auditor", `/contacts/${p.id}`);
  await expect(page.getByText("This contact cannot be shown.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveCount(0);
  await expectAccessible(page);
  await page.goto("/contacts");
  await expect(page.getByRole("alert")).toContainText("The contacts could not be loaded.");
  await expect(page.getByRole("button", { name: "New contact" })).toHaveCount(0);
});

test("the record on a phone", async ({ page, clinic }) => {
  const admin = await clinic.api("admin");
  const made = await admin.send("POST", "/api/v1/contacts", {
    type: "patient", first_name: "Bartholomew-Maximilian", last_name: "Featherstonehaugh-Cholmondeley",
    email: "a.very.long.address.for.testing@example-hospital-trust.nhs.uk", tags: ["insurance", "vip"],
  });
  await admin.send("POST", "/api/v1/activities", { type: "call", subject: "Rang about the referral letter from the GP", contact_id: made.body.id, priority: "normal" });
  await page.setViewportSize({ width: 390, height: 844 });
  await openRecord(page, clinic, "admin", made.body.id, "Bartholomew-Maximilian Featherstonehaugh-Cholmondeley");
  await expect(page.getByTestId("timeline")).toContainText("Rang about the referral letter");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "/tmp/contact-record-390.png", fullPage: true });
  await expectAccessible(page);
});
