// session.spec.ts - the browser session: token in memory only, the refresh cookie's flags and
// CSRF header, refresh before expiry and after a 401, reuse detection, every tab signed out
// together, and tabs refreshing at once without tripping reuse detection.
//
// The server keeps its default 15-minute access token: the browser's clock (Playwright's
// page.clock) is moved to just before expiry instead of waiting for a short TTL (60 s at the
// least, a refresh 48 s in), which keeps these tests to seconds and the rest of the suite on
// ordinary tokens. A 401 from the real server comes from a role change, which makes it refuse
// tokens issued before it while the refresh token stays good.
import type { BrowserContext, Page } from "@playwright/test";
import { test, expect, signIn, expectAccessible } from "./fixtures";

async function refreshCookie(context: BrowserContext) {
  return (await context.cookies()).find((c) => c.name === "crm_refresh");
}

function countRefreshes(page: Page) {
  const seen: number[] = [];
  page.on("response", (r) => {
    if (r.url().endsWith("/api/v1/auth/refresh")) seen.push(r.status());
  });
  return seen;
}

test("the access token lives in memory; the refresh cookie is HttpOnly, Strict, scoped; CSRF header required", async ({ page, context, clinic }) => {
  const login = page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login"));
  await signIn(page, clinic, "receptionist");
  const body = await (await login).json();
  expect(body.access_token).toBeTruthy();
  expect(body.refresh_token).toBeUndefined(); // a cookie session: the token is only in the cookie

  const stored = await page.evaluate(() => {
    const all: string[] = [];
    for (const s of [localStorage, sessionStorage])
      for (let i = 0; i < s.length; i++) all.push(`${s.key(i)}=${s.getItem(s.key(i)!)}`);
    return { all, cookie: document.cookie };
  });
  expect(stored.all).toEqual([`crm.tenant=${clinic.slug}`]);
  expect(stored.all.join()).not.toContain(body.access_token);
  expect(stored.cookie).not.toContain("crm_refresh");

  const cookie = await refreshCookie(context);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/v1/auth", secure: false });
  expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 86400); // Max-Age: the refresh TTL

  // a request the page makes without the CSRF header is refused; with it, it rotates the token
  const answers = await page.evaluate(async () => {
    const without = await fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin" });
    const problem = without.headers.get("Content-Type");
    const withIt = await fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin", headers: { "X-CRM-CSRF": "1" } });
    return [without.status, problem, withIt.status];
  });
  expect(answers).toEqual([403, "application/problem+json", 200]);
  expect((await refreshCookie(context))!.value).not.toBe(cookie!.value);
});

test("the token is refreshed shortly before it expires, not before", async ({ page, context, clinic }) => {
  await page.clock.install();
  await signIn(page, clinic, "receptionist", "/contacts");
  const before = (await refreshCookie(context))!.value;
  const refreshes = countRefreshes(page);
  await page.clock.fastForward("13:30"); // 13.5 of the 15 minutes
  await page.waitForTimeout(300);
  expect(refreshes).toEqual([]);
  await page.clock.fastForward("01:00"); // a minute before expiry
  await expect.poll(() => refreshes).toEqual([200]);
  await expect.poll(async () => (await refreshCookie(context))!.value).not.toBe(before);
  // still signed in, and the new token works
  await page.getByRole("combobox", { name: "Search by name, email or phone" }).fill("Olivia");
  await expect(page.getByRole("option", { name: /Olivia Testperson0/ })).toBeVisible();
  await expect(page).toHaveURL(/\/contacts$/);
});

test("a 401 is answered by one refresh and the request again", async ({ page, clinic }) => {
  await signIn(page, clinic, "receptionist", "/contacts");
  const refreshes = countRefreshes(page);
  const searches: number[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/api/v1/search")) searches.push(r.status());
  });
  const old = await clinic.api("receptionist"); // a token issued before the change, as the page's
  await page.waitForTimeout(1100); // the role change must come a second after the tokens' iat
  const admin = await clinic.api("admin");
  const user = await admin.get(`/api/v1/users/${clinic.users.receptionist.id}`);
  const changed = await admin.send("PATCH", `/api/v1/users/${clinic.users.receptionist.id}`, { role: "practitioner" }, { "If-Match": user.etag! });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  await expect.poll(async () => (await old.get("/api/v1/me")).status, { timeout: 5000 }).toBe(401);

  await page.getByRole("combobox", { name: "Search by name, email or phone" }).fill("Olivia");
  await expect(page.getByRole("option", { name: /Olivia Testperson0/ })).toBeVisible();
  expect(searches).toEqual([401, 200]);
  expect(refreshes).toEqual([200]);
});

test("a reused refresh token ends the session; signing in returns to the page", async ({ page, context, clinic }) => {
  await signIn(page, clinic, "receptionist", "/contacts");
  const first = (await refreshCookie(context))!;
  await page.reload(); // the app refreshes on load: the cookie rotates
  await expect(page.getByTestId("user-menu")).toBeVisible();
  const second = (await refreshCookie(context))!;
  expect(second.value).not.toBe(first.value);

  await context.addCookies([first]); // the stolen, already used token comes back
  await page.reload();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  // the server revoked the whole family: the newest token is refused as well
  await context.addCookies([second]);
  const r = await page.request.post("/api/v1/auth/refresh", { headers: { "X-CRM-CSRF": "1" } });
  expect(r.status()).toBe(401);

  await page.getByLabel("Email").fill(clinic.users.receptionist.email);
  await page.getByLabel(/^Password/).fill("correct-horse-battery-9");
  await page.getByLabel(/^Password/).press("Enter");
  await expect(page).toHaveURL(/\/contacts$/);
});

test("signing out in one tab signs out the others, and signing in brings them back", async ({ context, clinic }) => {
  const one = await context.newPage();
  await signIn(one, clinic, "receptionist", "/contacts");
  const two = await context.newPage();
  await two.goto("/diary");
  await expect(two.getByTestId("user-menu")).toBeVisible();

  await one.getByTestId("user-menu").click();
  await one.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(one).toHaveURL(/\/sign-in$/);
  await expect(two).toHaveURL(/\/sign-in$/);
  await expect(two.getByTestId("sign-in-notice")).toHaveText("You signed out in another tab.");
  await expectAccessible(two);
  const r = await two.request.post("/api/v1/auth/refresh", { headers: { "X-CRM-CSRF": "1" } });
  expect(r.status()).toBe(401); // signed out on the server, not only on screen

  await one.getByLabel("Email").fill(clinic.users.receptionist.email);
  await one.getByLabel(/^Password/).fill("correct-horse-battery-9");
  await one.getByRole("button", { name: "Sign in" }).click();
  await expect(one.getByTestId("user-menu")).toBeVisible();
  await expect(two).toHaveURL(/\/diary$/);
  await expect(two.getByTestId("user-menu")).toBeVisible();
});

test("tabs refreshing at once do not trip reuse detection", async ({ context, clinic }) => {
  const one = await context.newPage();
  await signIn(one, clinic, "receptionist", "/contacts");
  const tabs = await Promise.all([0, 1, 2, 3].map(() => context.newPage()));
  const statuses: number[] = [];
  for (const t of tabs) t.on("response", (r) => r.url().endsWith("/api/v1/auth/refresh") && statuses.push(r.status()));
  await Promise.all(tabs.map((t) => t.goto("/contacts"))); // each refreshes on load, together
  for (const t of tabs) await expect(t.getByTestId("user-menu")).toBeVisible();
  expect(statuses).toEqual([200, 200, 200, 200]);
  await one.reload();
  await expect(one.getByTestId("user-menu")).toBeVisible();
});
