/*
 * The browser part of the install test (scripts/install-test/run.sh, which
 * scaffolds, installs and starts the app first and passes its URLs). Debian's
 * Chromium through playwright-core, as in playwright.config.ts.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e-install',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  outputDir:
    process.env.INSTALL_OUTPUT_DIR ??
    'node_modules/.cache/install-test-results',
  use: {
    baseURL: process.env.INSTALL_APP_URL ?? 'http://localhost:3100',
    viewport: { width: 1400, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
