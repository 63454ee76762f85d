// screens.spec.ts - photographs the demo clinic's screens for docs/screenshots/ (named
// <screen>-<desktop|phone>.png); the README shows the diary and the record.
import { test, expect, type Page } from "@playwright/test";
import path from "node:path";

const DIR = process.env.CRM_SCREENSHOTS_DIR ?? "../docs/screenshots";
const PASSWORD = "demo-password-2026";

async function shot(page: Page, name: string) {
  // no networkidle: the diary polls; wait for loaders to go and the fonts to settle instead
  await expect(page.getByRole("status").filter({ has: page.locator(".mantine-Loader-root") })).toHaveCount(0);
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(DIR, `${name}-${test.info().project.name}.png`) });
}

async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Clinic").fill("demo");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
}

test("sign-in", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Clinic").fill("demo");
  await shot(page, "sign-in");
});

test("diary, booking dialog and patient record (receptionist)", async ({ page }) => {
  await signIn(page, "reception@demo.clinic");
  await expect(page).toHaveURL(/\/diary/);
  await shot(page, "diary-day");
  await page.getByText("Week", { exact: true }).click();
  await shot(page, "diary-week");
  await page.getByText("Day", { exact: true }).click();
  await page.getByRole("button", { name: /New appointment/ }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await shot(page, "booking-dialog");
  await page.keyboard.press("Escape");
  await page.goto("/contacts?type=patient");
  await page.getByRole("link").filter({ hasText: /\w+ \w+/ }).first().click();
  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}/);
  await shot(page, "patient-record");
  await page.goto("/contacts");
  await shot(page, "contacts");
});

test("my day (practitioner)", async ({ page }) => {
  await signIn(page, "dr.patel@demo.clinic");
  await page.goto("/my-day");
  await shot(page, "my-day");
});
