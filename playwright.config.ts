/*
 * End-to-end tests in Debian's Chromium (playwright-core; no browser
 * download). `yarn test:e2e` starts the demo (`yarn start`) unless one is
 * already running on :3000 and :7007.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  // The longest spec (four review stages, several sign-ins) takes over four
  // minutes on a loaded 2-core machine: room to spare, not a hang detector.
  timeout: 600_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  outputDir: 'node_modules/.cache/e2e-test-results',
  webServer: {
    command: 'yarn start',
    url: 'http://localhost:3000',
    reuseExistingServer: !process.env.CI,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'ignore',
  },
  use: {
    baseURL: 'http://localhost:3000',
    // A button that never appears fails the step within a minute, not at
    // the 10-minute test timeout.
    actionTimeout: 60_000,
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
