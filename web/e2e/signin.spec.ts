// signin.spec.ts - the sign-in page: success lands on the start page, wrong credentials say so.
import { test, expect, signIn, expectAccessible, PASSWORD } from "./fixtures";

test("a receptionist signs in and lands on the diary", async ({ page, clinic }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expectAccessible(page);
  await signIn(page, clinic, "receptionist");
  await expect(page).toHaveURL(/\/diary$/);
  await expect(page.getByTestId("user-menu")).toContainText("Robin Reception");
  await expect(page.getByTestId("user-menu")).toContainText("Receptionist");
});

test("wrong credentials show a clear message and Enter submits", async ({ page, clinic }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Clinic").fill(clinic.slug);
  await page.getByLabel("Email").fill(clinic.users.receptionist.email);
  await page.getByLabel(/^Password/).fill(PASSWORD + "x");
  await page.getByLabel(/^Password/).press("Enter");
  await expect(page.getByTestId("sign-in-error")).toHaveText("The clinic, email or password is not right.");
});
