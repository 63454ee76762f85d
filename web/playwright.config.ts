// playwright.config.ts - the end-to-end suite in Debian's Chromium against a real crm serve
// (tests/web/run.py starts it and sets CRM_E2E_BASE_URL); no browser is downloaded.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  testMatch: /.*\.spec\.ts/,
  fullyParallel: true,
  workers: Number(process.env.CRM_E2E_WORKERS ?? 2),
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [["list"], ["junit"]],
  use: {
    baseURL: process.env.CRM_E2E_BASE_URL,
    locale: "en-GB",
    timezoneId: "Europe/London",
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: process.env.CRM_CHROMIUM ?? "/usr/bin/chromium" },
    trace: "off",
    screenshot: "only-on-failure",
  },
  outputDir: "../build-test/playwright-output",
});
