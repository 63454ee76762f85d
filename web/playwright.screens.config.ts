// playwright.screens.config.ts - `make screenshots`: the demo clinic's screens at desktop and
// phone size (tests/web/screenshots.py starts crm dev and sets CRM_E2E_BASE_URL).
import { defineConfig, devices } from "@playwright/test";

const chromium = { executablePath: process.env.CRM_CHROMIUM ?? "/usr/bin/chromium" };

export default defineConfig({
  testDir: "screens",
  workers: 1,
  timeout: 120_000,
  reporter: [["list"]],
  use: { baseURL: process.env.CRM_E2E_BASE_URL, locale: "en-GB", timezoneId: "Europe/London" },
  projects: [
    { name: "desktop", use: { viewport: { width: 1440, height: 900 }, launchOptions: chromium } },
    {
      name: "phone",
      use: {
        ...devices["Pixel 7"],
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        launchOptions: chromium,
      },
    },
  ],
  outputDir: "../build-test/playwright-screens",
});
