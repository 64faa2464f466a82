// Headless Debian Chromium driven by playwright-core, for the dashboard's browser tests.
// Screenshots go to test-output/dashboard/.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type Dashboard, type DashboardOptions } from '../dashboard/dashboard.ts';

export const SHOTS = fileURLToPath(new URL('../test-output/dashboard/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface DashboardInBrowser {
  dash: Dashboard;
  page: Page;
  /** Closes the browser, then stops the dashboard. */
  close(): Promise<void>;
}

/** The dashboard served on `options`, and one Chromium page of the given size to look at it. */
export async function openDashboard(options: DashboardOptions, viewport = { width: 1200, height: 900 }): Promise<DashboardInBrowser> {
  const dash = await startDashboard(options);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport });
    const opened = browser;
    const close = async () => {
      await opened.close();
      await dash.stop();
    };
    return { dash, page, close };
  } catch (error) {
    await browser?.close();
    await dash.stop();
    throw error;
  }
}
