import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './children.js';
import { makeTempDir, removeDir } from './tmp.js';

/** Debian's chromium, never a downloaded one; the flags it needs in a container. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where screenshots go (git-ignored): test-artifacts/screenshots. */
export const screenshotDir = join(repoRoot, 'test-artifacts', 'screenshots');

export interface Watched {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions, as text. */
  readonly errors: string[];
  /** Requests that failed or were answered 4xx/5xx (see `failures`). */
  readonly failed: string[];
  /** Every URL the browser asked for. */
  readonly requests: string[];
  readonly close: () => Promise<void>;
}

/**
 * A fresh browser profile (its own temporary user-data-dir) with one page, watched: console errors, page errors,
 * failed requests and every URL requested. A long poll the page abandons on leaving (GET /v1/changes aborted by a
 * navigation or close) is not counted as failed: it is how a long poll ends.
 */
export const openBrowser = async (width = 1280): Promise<Watched> => {
  const profile = makeTempDir('chromium-profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: flags,
    viewport: { width, height: 900 },
    // The dashboard must not depend on the machine's zone or language.
    timezoneId: 'America/Los_Angeles',
    locale: 'de-DE',
  });
  // A wait that never ends fails the test instead of hanging it.
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const failed: string[] = [];
  const requests: string[] = [];
  context.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  context.on('weberror', (e) => errors.push(`uncaught: ${e.error().message}`));
  context.on('request', (r) => requests.push(r.url()));
  context.on('requestfailed', (r) => {
    const aborted = r.failure()?.errorText === 'net::ERR_ABORTED';
    if (!(aborted && new URL(r.url()).pathname === '/v1/changes')) failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`);
  });
  context.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
  });
  return {
    context,
    page,
    errors,
    failed,
    requests,
    close: async () => {
      await context.close();
      removeDir(profile);
    },
  };
};

/** A full-page screenshot under test-artifacts/screenshots/<name>-<width>.png. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}-${page.viewportSize()?.width ?? 0}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
};

/** A number as the page shows it (grouped: 2,862) read back. */
export const shownNumber = (text: string | null): number => Number((text ?? '').replace(/[^\d.-]/g, ''));

/**
 * Runs a JavaScript expression in the page. Written as text: the tests type-check without the DOM library (that is
 * the browser code's own config), and what runs there is the page's business.
 */
export const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
