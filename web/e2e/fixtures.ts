// fixtures.ts - what every end-to-end test stands on: a fresh clinic tenant made through the
// platform API (a user of every role, three practitioners with weekly hours, a few patients),
// sign-in through the real form, and checks that fail a test on any CSP violation, uncaught
// page error or serious accessibility finding.
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const PASSWORD = "correct-horse-battery-9";
export const ROLES = ["admin", "receptionist", "practitioner", "sales", "viewer", "auditor"] as const;
export type Role = (typeof ROLES)[number];

export interface Person {
  id: string;
  email: string;
  full_name: string;
}

export interface Clinic {
  slug: string;
  id: string;
  time_zone: string;
  users: Record<Role, Person>;
  /** practitioners[0] is the practitioner role's user; [1] and [2] are further practitioners */
  practitioners: Person[];
  patients: { id: string; name: string }[];
  /** the API as a user of this role (bearer token), for arranging data and checking results */
  api: (role: Role) => Promise<Api>;
}

export interface Api {
  get: (path: string) => Promise<{ status: number; body: any; etag: string | null }>;
  send: (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    Promise<{ status: number; body: any; etag: string | null }>;
}

const platformKey = () => process.env.CRM_E2E_PLATFORM_KEY ?? "";
let counter = 0;

async function call(request: APIRequestContext, method: string, path: string, token: string,
                    body?: unknown, headers: Record<string, string> = {}) {
  const res = await request.fetch(path, {
    method, headers: { Authorization: `Bearer ${token}`, ...headers },
    data: body === undefined ? undefined : body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status(), body: parsed as any, etag: res.headers()["etag"] ?? null };
}

async function tokenFor(request: APIRequestContext, slug: string, email: string): Promise<string> {
  const r = await call(request, "POST", "/api/v1/auth/login", "", { tenant: slug, email, password: PASSWORD });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.access_token as string;
}

export interface ClinicOptions {
  modules?: string[];
  time_zone?: string;
  patients?: number;
}

/** Makes a tenant with the Clinic on (unless told otherwise), a user per role and data. */
export async function makeClinic(request: APIRequestContext, opts: ClinicOptions = {}): Promise<Clinic> {
  const slug = `e2e-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const time_zone = opts.time_zone ?? "Europe/London";
  const made = await call(request, "POST", "/platform/v1/tenants", platformKey(), {
    name: `Riverside Clinic ${counter}`, slug, modules: opts.modules ?? ["clinic"],
    admin_email: `admin@${slug}.test`, admin_password: PASSWORD, time_zone, default_country: "GB",
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const adminToken = await tokenFor(request, slug, `admin@${slug}.test`);
  const users = { admin: { id: made.body.admin_user_id, email: `admin@${slug}.test`, full_name: "Alex Admin" } } as Record<Role, Person>;
  const names: Record<string, string> = {
    receptionist: "Robin Reception", practitioner: "Dr Priya Patel", sales: "Sam Sales",
    viewer: "Val Viewer", auditor: "Aud Auditor",
  };
  const clinicOn = (opts.modules ?? ["clinic"]).includes("clinic");
  for (const role of ROLES.slice(1)) {
    const email = `${role}@${slug}.test`;
    const body: Record<string, unknown> = { email, full_name: names[role], role, password: PASSWORD };
    if (clinicOn) body.is_practitioner = role === "practitioner";
    const r = await call(request, "POST", "/api/v1/users", adminToken, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    users[role] = { id: r.body.id, email, full_name: names[role]! };
  }
  const practitioners: Person[] = [users.practitioner];
  if (clinicOn) {
    for (const [i, name] of ["Dr Chidi Okafor", "Dr Ana Silva"].entries()) {
      const email = `dr${i}@${slug}.test`;
      const r = await call(request, "POST", "/api/v1/users", adminToken,
        { email, full_name: name, role: "practitioner", password: PASSWORD, is_practitioner: true });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      practitioners.push({ id: r.body.id, email, full_name: name });
    }
    for (const p of practitioners) {
      const weekly = [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
        { weekday, start: "09:00", end: "12:30" }, { weekday, start: "13:30", end: "17:00" },
      ]);
      const r = await call(request, "PUT", `/api/v1/practitioners/${p.id}/schedule`, adminToken, { weekly });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  }
  const patients: { id: string; name: string }[] = [];
  const first = ["Olivia", "George", "Amelia", "Harry", "Isla", "Noah", "Mia", "Leo"];
  for (let i = 0; i < (opts.patients ?? 4); i++) {
    const fn = first[i % first.length]!;
    const ln = `Testperson${i}`;
    const r = await call(request, "POST", "/api/v1/contacts", adminToken, {
      type: clinicOn ? "patient" : "customer", first_name: fn, last_name: ln,
      email: `${fn.toLowerCase()}.${i}@example.org`, phone: `07700 900${String(100 + i)}`,
      date_of_birth: `19${70 + i}-0${1 + (i % 9)}-1${i % 10}`,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    patients.push({ id: r.body.id, name: `${fn} ${ln}` });
  }
  const tokens = new Map<Role, string>();
  const api = async (role: Role): Promise<Api> => {
    if (!tokens.has(role)) tokens.set(role, await tokenFor(request, slug, users[role].email));
    const token = tokens.get(role)!;
    return {
      get: (path) => call(request, "GET", path, token),
      send: (method, path, body, headers) => call(request, method, path, token, body, headers),
    };
  };
  return { slug, id: made.body.id, time_zone, users, practitioners, patients, api };
}

/** Signs in through the form as this user and waits for the signed-in shell. */
export async function signIn(page: Page, clinic: Clinic, who: Role | Person, path = "/") {
  const email = typeof who === "string" ? clinic.users[who].email : who.email;
  await page.goto(path);
  await page.getByLabel("Clinic").fill(clinic.slug);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
}

/** Signs out through the user menu and waits for the sign-in page: the next sign-in must not
 * meet the session still being closed. */
export async function signOut(page: Page) {
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

/** No serious or critical axe finding on the page as it is now. */
export async function expectAccessible(page: Page, include?: string) {
  // a dialog still fading in has blended colours that axe would measure as low contrast
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity));
  let builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  if (include) builder = builder.include(include);
  const results = await builder.analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

interface Fixtures {
  clinic: Clinic;
  pageProblems: string[];
}

export const test = base.extend<Fixtures>({
  clinic: async ({ request }, use) => {
    await use(await makeClinic(request));
  },
  // every page of a test is watched: a CSP violation or an uncaught error fails the test
  pageProblems: [
    async ({ context }, use) => {
      const problems: string[] = [];
      context.on("page", (page) => watch(page, problems));
      context.pages().forEach((p) => watch(p, problems));
      await use(problems);
      expect(problems, "CSP violations or page errors").toEqual([]);
    },
    { auto: true },
  ],
});

function watch(page: Page, problems: string[]) {
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
}

export { expect };
