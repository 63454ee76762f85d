// shell.spec.ts - the signed-in frame: navigation per role and enabled modules, the user's name
// and role, sign-out, the global search by keyboard, the lost-connection banner, the 404 page.
import { test, expect, signIn, signOut, expectAccessible, makeClinic, type Clinic, type Role } from "./fixtures";
import type { Page } from "@playwright/test";

/** The navigation's links, by accessible name (their icons are hidden from it). */
async function expectNavLinks(page: Page, names: string[]) {
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  await expect(links).toHaveCount(names.length);
  for (const [i, name] of names.entries()) await expect(links.nth(i)).toHaveAccessibleName(name);
}

test("the navigation follows the role: receptionist, practitioner, viewer", async ({ page, clinic }) => {
  const expectNav = async (role: Role, links: string[], who: string, roleName: string) => {
    await signIn(page, clinic, role);
    await expectNavLinks(page, links);
    await expect(page.getByTestId("user-menu")).toContainText(who);
    await expect(page.getByTestId("user-menu")).toContainText(roleName);
  };
  await expectNav("receptionist", ["Diary", "Patients & contacts"], "Robin Reception", "Receptionist");
  await expectAccessible(page);
  await signOut(page);
  await expectNav("practitioner", ["Diary", "My day", "Patients & contacts"], "Dr Priya Patel", "Practitioner");
  await expect(page).toHaveURL(/\/diary$/);
  await signOut(page);
  await expectNav("viewer", ["Diary", "Patients & contacts"], "Val Viewer", "Viewer");
});

test("Sales in a tenant without the Clinic sees no diary, and lands on contacts", async ({ page, request }) => {
  const clinic: Clinic = await makeClinic(request, { modules: [], patients: 1 });
  await signIn(page, clinic, "sales");
  await expect(page).toHaveURL(/\/contacts$/);
  await expectNavLinks(page, ["Patients & contacts"]);
  await page.goto("/diary"); // not a route when the module is off
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("signing out ends the session on the server", async ({ page, context, clinic }) => {
  await signIn(page, clinic, "receptionist", "/contacts");
  await signOut(page);
  const r = await page.request.post("/api/v1/auth/refresh", { headers: { "X-CRM-CSRF": "1" } });
  expect(r.status()).toBe(401);
  expect((await context.cookies()).find((c) => c.name === "crm_refresh" && c.value)).toBeUndefined();
  await page.goto("/contacts"); // the session is gone for a new page load too
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("the global search finds as you type and opens a contact by keyboard", async ({ page, clinic }) => {
  const target = clinic.patients[2]!;
  await signIn(page, clinic, "receptionist");
  const box = page.getByRole("combobox", { name: "Search by name, email or phone" });
  await box.fill("Testperson");
  const options = page.getByRole("option");
  await expect(options).toHaveCount(clinic.patients.length);
  await expectAccessible(page);
  await box.fill(target.name.split(" ")[0]!);
  await expect(options).toHaveCount(1);
  await expect(options.first()).toContainText(target.name);
  await box.press("ArrowDown");
  await expect(options.first()).toHaveAttribute("aria-selected", "true");
  await expect(box).toHaveAttribute("aria-activedescendant", (await options.first().getAttribute("id"))!);
  await box.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/contacts/${target.id}$`));
  await expect(box).toHaveValue("");
  await box.fill("nobody-by-this-name");
  await expect(page.getByRole("listbox").getByText("No matches")).toBeVisible();
  await box.press("Escape");
  await expect(page.getByRole("listbox")).toHaveCount(0);
});

test("a lost connection shows a banner that goes when it is back", async ({ page, context, clinic }) => {
  await signIn(page, clinic, "receptionist", "/contacts");
  await expect(page.getByTestId("connection-lost")).toHaveCount(0);
  await context.setOffline(true);
  await page.getByRole("combobox", { name: "Search by name, email or phone" }).fill("Olivia");
  await expect(page.getByTestId("connection-lost")).toBeVisible();
  await expect(page.getByTestId("connection-lost")).toHaveText(/connection to the server was lost/);
  await context.setOffline(false);
  await expect(page.getByTestId("connection-lost")).toHaveCount(0);
  await expect(page.getByRole("option", { name: /Olivia Testperson0/ })).toBeVisible(); // retried
});

test("an unknown address shows a page-not-found page inside the shell", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", "/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("link", { name: "Go to the start page" }).click();
  await expect(page).toHaveURL(/\/diary$/);
});
