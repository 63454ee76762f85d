// ui.spec.ts - the web app's speed (`make bench-ui`, bench/ui.py): JavaScript loaded before the
// diary is usable, sign-in to the diary's first paint, a day of 20 practitioners x 30
// appointments rendered, and a drag-move round trip. Writes its figures as JSON.
import { test, type APIRequestContext, type Page } from "@playwright/test";
import { gzipSync } from "node:zlib";
import { readFileSync, writeFileSync } from "node:fs";
import { DateTime } from "luxon";
import { slotPoint } from "../e2e/diary-helpers";

const PASSWORD = "correct-horse-battery-9";
const PRACTITIONERS = 20;
const PER_PRACTITIONER = 30;
const RUNS = 5;
const results: Record<string, unknown> = {};

async function json(request: APIRequestContext, method: string, path: string, token: string, data?: unknown) {
  const res = await request.fetch(path, { method, headers: { Authorization: `Bearer ${token}` }, data });
  const body = await res.text();
  if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${body}`);
  return body ? JSON.parse(body) : null;
}

interface Bench {
  slug: string;
  day: DateTime;
}

/** A tenant with 20 practitioners working 07:00-19:00, each with 30 appointments of 20 minutes
 * from 08:00 on one day (so the hour before is free for the drag). */
async function seed(request: APIRequestContext): Promise<Bench> {
  const slug = `bench-ui-${Date.now().toString(36)}`;
  const key = process.env.CRM_E2E_PLATFORM_KEY ?? "";
  const t = await json(request, "POST", "/platform/v1/tenants", key, {
    name: "Bench Clinic", slug, modules: ["clinic"], admin_email: `admin@${slug}.test`,
    admin_password: PASSWORD, time_zone: "Europe/London", default_country: "GB",
  });
  void t;
  const login = async (email: string) =>
    (await json(request, "POST", "/api/v1/auth/login", "", { tenant: slug, email, password: PASSWORD })).access_token as string;
  const admin = await login(`admin@${slug}.test`);
  await json(request, "POST", "/api/v1/users", admin, {
    email: `reception@${slug}.test`, full_name: "Robin Reception", role: "receptionist", password: PASSWORD,
  });
  const ids: string[] = [];
  for (let i = 0; i < PRACTITIONERS; i++) {
    const u = await json(request, "POST", "/api/v1/users", admin, {
      email: `dr${i}@${slug}.test`, full_name: `Dr Practitioner ${String(i + 1).padStart(2, "0")}`,
      role: "practitioner", password: PASSWORD, is_practitioner: true,
    });
    ids.push(u.id);
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "07:00", end: "19:00" }));
    await json(request, "PUT", `/api/v1/practitioners/${u.id}/schedule`, admin, { weekly });
  }
  const day = DateTime.now().setZone("Europe/London").plus({ days: 1 }).startOf("day");
  const work: Promise<unknown>[] = [];
  for (let p = 0; p < PRACTITIONERS; p++) {
    for (let i = 0; i < PER_PRACTITIONER; i++) {
      work.push((async () => {
        const c = await json(request, "POST", "/api/v1/contacts", admin, {
          type: "patient", first_name: `Patient${p}`, last_name: `Number${i}`,
        });
        await json(request, "POST", "/api/v1/appointments", admin, {
          patient_id: c.id, practitioner_id: ids[p], duration_minutes: 20,
          appointment_time: day.set({ hour: 8 }).plus({ minutes: 20 * i }).toUTC().toISO(),
        });
      })());
      if (work.length >= 8) await Promise.all(work.splice(0));
    }
  }
  await Promise.all(work);
  return { slug, day };
}

async function signIn(page: Page, slug: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Clinic").fill(slug);
  await page.getByLabel("Email").fill(`reception@${slug}.test`);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  // timed in the page: from the click to the frame that first shows the diary's grid
  await page.evaluate(() => {
    document.addEventListener("click", () => ((window as any).__t0 = performance.now()), { capture: true, once: true });
  });
  await page.getByRole("button", { name: "Sign in" }).click();
  const done = await page.waitForFunction(
    () => document.querySelector(".rbc-time-view") && performance.now(), undefined, { polling: "raf" });
  return Math.round((await done.jsonValue() as number) - (await page.evaluate(() => (window as any).__t0 as number)));
}

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test("web app speed", async ({ browser, request }) => {
  test.setTimeout(600_000);
  const bench = await seed(request);

  // sign-in to the diary's first paint, and the JavaScript it took (fresh context each run)
  const firstPaint: number[] = [];
  let jsGzip = 0;
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    firstPaint.push(await signIn(page, bench.slug));
    // the scripts loaded by the time the grid showed, sized as gzip makes them from web/dist
    const scripts = await page.evaluate(() => performance.getEntriesByType("resource")
      .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".js")));
    jsGzip = scripts.reduce((sum, p) => sum + gzipSync(readFileSync(`dist${p}`)).length, 0);
    results.js_files = scripts.length;
    await context.close();
  }
  results.js_before_diary_kb_gzip = Math.round(jsGzip / 102.4) / 10;
  results.sign_in_to_diary_ms = { median: median(firstPaint), runs: firstPaint };
  save();

  // a full day: from the appointments' answer to every event on screen
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, bench.slug);
  // every change of the number of events drawn, timed in the page by a MutationObserver
  await page.addInitScript(() => {
    const w = window as any;
    w.__counts = [];
    new MutationObserver(() => {
      const n = document.querySelectorAll(".rbc-event").length;
      const last = w.__counts[w.__counts.length - 1];
      if (!last || last[1] !== n) w.__counts.push([performance.now(), n]);
    }).observe(document, { childList: true, subtree: true });
  });
  const render: number[] = [];
  let drawn = 0;
  for (let run = 0; run < RUNS; run++) {
    await page.goto(`/diary?date=${bench.day.toISODate()}&view=day`);
    await page.locator(".rbc-event").first().waitFor();
    await page.waitForTimeout(3000); // every page of the day answered and drawn
    const [ms, n] = await page.evaluate(() => {
      const counts = (window as any).__counts as [number, number][];
      const final = counts[counts.length - 1]![1];
      const at = counts.find(([, n]) => n === final)![0];
      const answers = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
        .filter((e) => e.name.includes("/api/v1/appointments?") && e.responseEnd <= at);
      return [at - Math.max(...answers.map((e) => e.responseEnd)), final];
    });
    render.push(Math.round(ms));
    drawn = n;
  }
  results.day_render_ms = { median: median(render), runs: render, events: drawn };
  save();

  // drag-move: from releasing the mouse to the server's answer and the event in its new place
  const moves: number[] = [];
  const parts: [number, number][] = [];
  for (let run = 0; run < RUNS; run++) {
    // practitioner run's first appointment (08:00) dragged by its middle to 07:00, free working time
    const column = page.locator(".rbc-time-content .rbc-day-slot").nth(run);
    const event = column.locator(".rbc-event").first();
    await event.scrollIntoViewIfNeeded();
    const box = (await event.boundingBox())!;
    const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const to = await slotPoint(page, run, "07:00", box.height / 2 + 3);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x, from.y + 8, { steps: 4 });
    await page.mouse.move(to.x, to.y, { steps: 12 });
    const patched = page.waitForResponse((r) => r.request().method() === "PATCH", { timeout: 10_000 });
    await page.evaluate(() => {
      performance.clearResourceTimings();
      document.addEventListener("mouseup", () => ((window as any).__up = performance.now()), { capture: true, once: true });
    });
    await page.mouse.up();
    const res = await patched;
    results.last_move_status = res.status();
    // timed in the page: from releasing the mouse to the PATCH's answer and the next frame; and
    // where that time went (before the request left, and the request itself)
    const done = await page.waitForFunction(() => {
      const e = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
        .find((r) => r.name.includes("/api/v1/appointments/"));
      const up = (window as any).__up as number;
      return e && [performance.now() - up, e.startTime - up, e.responseEnd - e.startTime];
    }, undefined, { polling: "raf" });
    const [total, before, request] = (await done.jsonValue()) as number[];
    moves.push(Math.round(total!));
    parts.push([Math.round(before!), Math.round(request!)]);
    await page.waitForTimeout(300);
  }
  results.drag_move_ms = { median: median(moves), runs: moves };
  // the PATCH itself, as the browser timed it, and how long after the release it left
  results.drag_request_ms = { median: median(parts.map((p) => p[1])), runs: parts.map((p) => p[1]) };
  results.drop_to_request_ms = { median: median(parts.map((p) => p[0])) };
  await context.close();

  save();
});

function save() {
  writeFileSync(process.env.CRM_BENCH_UI_OUT ?? "ui-bench.json", JSON.stringify(results, null, 2));
}
