import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { duration, windowOfDays } from '../../src/web/format.js';
import { inPage, openBrowser, screenshot, shownNumber, type Watched } from '../support/browser.js';
import { apiJson, demoData, serve, type Served } from '../support/serve.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/*
 * The dashboard in headless Chromium against the real binary serving demo data: the overview's figures are the API's,
 * every page loads without an error, a failed request or a request to another host, at 1280 and 390 px, and the page
 * runs under a strict Content-Security-Policy.
 */
const Overview = suite('web: overview, every page, CSP, no other host');
let dir = '';
let served: Served;
let browser: Watched | null = null;
Overview.before(async () => {
  dir = makeTempDir('web-overview');
  await demoData(join(dir, 'data'), 3);
  served = await serve(join(dir, 'data'));
});
Overview.after.each(async () => {
  await browser?.close();
  browser = null;
});
Overview.after(async () => {
  await served.stop();
  removeDir(dir);
});

type Json = Record<string, unknown>;
const figureKeys = ['open', 'new', 'recurring', 'reopened', 'resolved', 'suppressed', 'false_positive', 'total'] as const;

Overview('the overview shows the figures of /v1/stats and the daily series of /v1/stats/daily', async () => {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/`);
  await page.locator('[data-figure="open"] dd').waitFor();
  const stats = await apiJson(`${served.url}/v1/stats`);
  for (const key of figureKeys) {
    const shown = shownNumber(await page.locator(`[data-figure="${key}"] dd`).textContent());
    assert.is(shown, stats[key], key);
  }
  assert.ok((stats.total as number) > 1000, 'demo data is there');
  const mttr = await page.locator('[data-figure="mean_time_to_resolve_seconds"] dd').textContent();
  assert.is(mttr, duration(stats.mean_time_to_resolve_seconds as number | null));

  const { from, to } = windowOfDays(30);
  const series = await apiJson<{ days: Json[] }>(`${served.url}/v1/stats/daily?from=${from}&to=${to}`);
  await page.getByText('The same figures as a table').click();
  const rows = (await page.locator('#daily tbody tr').allInnerTexts()).map((row) => row.split('\t'));
  assert.equal(
    rows.map(([day, n, resolved, open]) => ({ day, new: shownNumber(n ?? ''), resolved: shownNumber(resolved ?? ''), open: shownNumber(open ?? '') })),
    series.days,
  );
  assert.is(series.days.at(-1)?.open, stats.open, 'the series ends at the open count of the stats');
  assert.ok(await page.locator('.chart canvas').count() > 0, 'the chart is drawn');
  const latest = await apiJson<{ scans: Json[] }>(`${served.url}/v1/scans/latest`);
  assert.is(await page.locator('#latest-scans tbody tr').count(), latest.scans.length);
  assert.is(latest.scans.length, 6, 'three accounts by two regions');
});

const pages = [
  { name: 'overview', path: '/', ready: '[data-figure="open"] dd' },
  { name: 'findings', path: '/findings', ready: '#findings tbody tr' },
  { name: 'finding', path: '/findings/f-111111111111-us-east-1-0007', ready: '#timeline tbody tr' },
  { name: 'scans', path: '/scans', ready: '#scans tbody tr' },
  { name: 'checkpoints', path: '/checkpoints', ready: '#checkpoints tbody tr' },
  { name: 'schedules', path: '/schedules', ready: '#schedules tbody tr' },
];

Overview('every page loads at 1280 and 390 px with no console error, no failed request and no other host', async () => {
  for (const width of [1280, 390]) {
    browser = await openBrowser(width);
    const { page } = browser;
    for (const p of pages) {
      await page.goto(`${served.url}${p.path}`);
      await page.locator(p.ready).first().waitFor();
      await page.waitForTimeout(200); // the chart draws after its data
      await screenshot(page, p.name);
      const scroll = await inPage<number>(page, 'document.documentElement.scrollWidth');
      assert.ok(scroll <= width, `${p.name} at ${width} px does not scroll sideways (${scroll})`);
    }
    // The same pages reached through the page's own links, without reloading.
    await page.goto(`${served.url}/`);
    for (const name of ['Findings', 'Scans', 'Checkpoints', 'Schedules', 'Overview']) {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
    }
    const origin = new URL(served.url).origin;
    const elsewhere = browser.requests.filter((u) => new URL(u).origin !== origin);
    assert.equal(elsewhere, [], 'no request to another host');
    assert.equal(browser.errors, [], `console at ${width} px`);
    assert.equal(browser.failed, [], `requests at ${width} px`);
    assert.ok(browser.requests.length > 20);
    await browser.close();
    browser = null;
  }
});

Overview('the page and its assets carry a strict CSP, and an inline script does not run', async () => {
  const index = await fetch(`${served.url}/`);
  const csp = index.headers.get('content-security-policy') ?? '';
  assert.match(csp, /(^|; )default-src 'self'(;|$)/);
  assert.match(csp, /(^|; )script-src 'self'(;|$)/);
  assert.match(csp, /(^|; )style-src 'self'(;|$)/);
  assert.match(csp, /(^|; )connect-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.not.match(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
  assert.is(index.headers.get('x-frame-options'), 'DENY');
  const html = await index.text();
  assert.not.match(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.not.match(html, /<style|\sstyle=|\son\w+=/i, 'no inline style or handler');
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
  assert.is(assets.length, 3);
  for (const asset of assets) {
    const r = await fetch(`${served.url}${asset}`);
    assert.is(r.status, 200, asset);
    assert.is(r.headers.get('content-security-policy'), csp, asset);
    assert.match(r.headers.get('cache-control') ?? '', /immutable/);
    assert.not.match(await r.text(), /https?:\/\/(?!www\.w3\.org\/)/, `${asset} names no other host`);
  }

  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/`);
  await page.locator('[data-figure="open"] dd').waitFor();
  const outcome = await inPage<{ ran: boolean; violation: string }>(
    page,
    `new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve({ ran: window.inlineRan === true, violation: e.violatedDirective }));
      const s = document.createElement('script');
      s.textContent = 'window.inlineRan = true';
      document.body.append(s);
    })`,
  );
  assert.equal(outcome, { ran: false, violation: 'script-src-elem' });
});

Overview('a keyboard reaches the content first, and every field and table is labelled', async () => {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings`);
  await page.locator('#findings tbody tr').first().waitFor();
  await page.keyboard.press('Tab');
  assert.is(await inPage(page, 'document.activeElement.textContent'), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.is(await inPage(page, 'document.activeElement.id'), 'main');
  const unlabelled = await inPage<string[]>(
    page,
    `Array.from(document.querySelectorAll('input, select')).filter((el) => el.labels.length === 0).map((el) => el.id)`,
  );
  assert.equal(unlabelled, []);
  const tables = await inPage<{ caption: boolean; scoped: boolean }[]>(
    page,
    `Array.from(document.querySelectorAll('table'), (t) => ({
      caption: (t.caption?.textContent ?? '') !== '',
      scoped: Array.from(t.querySelectorAll('thead th')).every((th) => th.getAttribute('scope') === 'col'),
    }))`,
  );
  assert.ok(tables.length > 0);
  assert.ok(tables.every((t) => t.caption && t.scoped));
  // Moving to another page puts the focus on its heading.
  await page.getByRole('link', { name: 'Scans' }).click();
  await page.getByRole('heading', { level: 1, name: 'Scans' }).waitFor();
  assert.is(await inPage(page, 'document.activeElement.tagName'), 'H1');
});

Overview.run();
