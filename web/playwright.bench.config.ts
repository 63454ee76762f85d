// playwright.bench.config.ts - `make bench-ui` (bench/ui.py starts the release crm serve).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "bench",
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.CRM_E2E_BASE_URL,
    locale: "en-GB",
    timezoneId: "Europe/London",
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: process.env.CRM_CHROMIUM ?? "/usr/bin/chromium" },
  },
  outputDir: "../build-test/playwright-bench",
});
