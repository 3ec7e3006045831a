import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inPage, openBrowser, type Watched } from '../support/browser.js';
import { apiJson, demoData, serve, type Served } from '../support/serve.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/** Findings in the browser: filters and pages from the URL, a finding's timeline, its state as of an event. */
const Findings = suite('web: findings, a finding, its timeline');
let dir = '';
let served: Served;
let browser: Watched | null = null;
Findings.before(async () => {
  dir = makeTempDir('web-findings');
  await demoData(join(dir, 'data'), 3);
  served = await serve(join(dir, 'data'));
});
Findings.after.each(async () => {
  await browser?.close();
  browser = null;
});

/** Every test ends clean: nothing in the console, no failed request (checked in the test, so a failure names it). */
const clean = (w: Watched) => {
  assert.equal(w.errors, [], 'no console error');
  assert.equal(w.failed, [], 'no failed request');
};
Findings.after(async () => {
  await served.stop();
  removeDir(dir);
});

interface Page {
  findings: { finding_id: string; lifecycle: string }[];
  next_cursor: string | null;
}
interface History {
  history: { position: number; recorded_at: string; type: string; actor: string; lifecycle: string | null; severity: string | null }[];
}
const shownIds = async (w: Watched) => w.page.locator('#findings tbody tr td:first-child').allInnerTexts();
const api = (path: string) => apiJson<Page>(`${served.url}${path}`);

Findings('filters from the form go into the URL, and the rows are the API’s page for them', async () => {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings`);
  await page.locator('#findings tbody tr').first().waitFor();
  await page.getByLabel('Lifecycle', { exact: true }).selectOption('recurring');
  await page.getByLabel('Account', { exact: true }).fill('222222222222');
  await page.getByLabel('Region', { exact: true }).fill('eu-west-1');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/lifecycle=recurring/);
  const url = new URL(page.url());
  assert.equal([url.searchParams.get('lifecycle'), url.searchParams.get('account'), url.searchParams.get('region')], ['recurring', '222222222222', 'eu-west-1']);
  const expected = await api('/v1/findings?lifecycle=recurring&account=222222222222&region=eu-west-1&sort=-last_seen&limit=50');
  // The page says what it shows once the rows are in (a function string would be refused by the page's CSP).
  await page.getByRole('status').filter({ hasText: `${expected.findings.length} shown` }).filter({ hasText: 'account 222222222222' }).waitFor();
  assert.ok(expected.findings.length > 0);
  assert.equal(await shownIds(browser), expected.findings.map((f) => f.finding_id));
  assert.ok((await page.locator('#findings tbody tr .badge').allInnerTexts()).every((t) => t === 'recurring'));
  // The same URL opened anew shows the same view (a view can be shared).
  await page.goto(url.toString());
  await page.locator('#findings tbody tr').first().waitFor();
  assert.is(await page.getByLabel('Account', { exact: true }).inputValue(), '222222222222');
  assert.equal(await shownIds(browser), expected.findings.map((f) => f.finding_id));
  clean(browser);
});

Findings('next and first page follow the API’s keyset cursor; the last-seen header sorts both ways', async () => {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings?lifecycle=recurring`);
  await page.locator('#findings tbody tr').first().waitFor();
  const first = await api('/v1/findings?lifecycle=recurring&sort=-last_seen&limit=50');
  assert.ok(first.next_cursor !== null);
  await page.getByRole('link', { name: 'Next page' }).click();
  await page.waitForURL(/cursor=/);
  const second = await api(`/v1/findings?lifecycle=recurring&sort=-last_seen&limit=50&cursor=${first.next_cursor ?? ''}`);
  await page.getByRole('link', { name: 'First page' }).waitFor();
  assert.equal(await shownIds(browser), second.findings.map((f) => f.finding_id));
  assert.is(new URL(page.url()).searchParams.get('cursor'), first.next_cursor);
  await page.getByRole('link', { name: 'First page' }).click();
  await page.waitForURL((u) => !u.searchParams.has('cursor'));
  await page.getByRole('link', { name: 'Next page' }).waitFor();
  assert.equal(await shownIds(browser), first.findings.map((f) => f.finding_id));

  const header = page.getByRole('columnheader', { name: /Last seen/ });
  assert.is(await header.getAttribute('aria-sort'), 'descending');
  await header.getByRole('button').click();
  await page.waitForURL(/sort=last_seen/);
  const oldest = await api('/v1/findings?lifecycle=recurring&sort=last_seen&limit=50');
  await page.locator('#findings tbody tr td:first-child').first().filter({ hasText: oldest.findings[0]?.finding_id ?? '' }).waitFor();
  assert.equal(await shownIds(browser), oldest.findings.map((f) => f.finding_id));
  assert.is(await header.getAttribute('aria-sort'), 'ascending');
  clean(browser);
});

Findings('a finding’s timeline is its /v1/findings/{id}/history, event for event', async () => {
  browser = await openBrowser();
  const { page } = browser;
  const id = 'f-111111111111-us-east-1-0007';
  const { asset_id } = await apiJson<{ asset_id: string }>(`${served.url}/v1/findings/${id}`);
  await page.goto(`${served.url}/findings?asset=${encodeURIComponent(asset_id)}`);
  await page.getByRole('link', { name: id }).click();
  await page.waitForURL(`${served.url}/findings/${id}`);
  await page.locator('#timeline tbody tr').first().waitFor();
  assert.is(await inPage(page, 'document.activeElement.tagName'), 'H1', 'the focus is on the new page’s heading');
  const { history } = await apiJson<History>(`${served.url}/v1/findings/${id}/history`);
  assert.ok(history.length >= 4, 'a finding with a story');
  const rows = page.locator('#timeline tbody tr');
  assert.is(await rows.count(), history.length);
  const positions = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-position'))));
  assert.equal(positions, history.map((h) => h.position));
  const times = await page.locator('#timeline tbody tr td:first-child time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
  assert.equal(times, history.map((h) => h.recorded_at));
  const who = await page.locator('#timeline tbody tr td:nth-child(3)').allInnerTexts();
  history.forEach((h, i) => assert.ok((who[i] ?? '').startsWith(h.actor || 'unknown'), `row ${i}: ${who[i] ?? ''} names ${h.actor}`));
  const after = await page.locator('#timeline tbody tr td:nth-child(6)').allInnerTexts();
  assert.equal(after.map((t) => t.replace(' ', '_')), history.map((h) => (h.lifecycle ?? '').replace(' ', '_')));
  const severities = await page.locator('#timeline tbody tr td:nth-child(7)').allInnerTexts();
  assert.ok(history.some((h) => h.severity !== 'unknown' && h.severity !== null), 'a finding with a stated severity');
  assert.equal(severities, history.map((h) => (h.severity === 'unknown' ? 'not stated' : (h.severity ?? ''))));
  clean(browser);
});

Findings('the state as of an event on the timeline is /v1/findings/{id}?as_of= for its instant', async () => {
  browser = await openBrowser();
  const { page } = browser;
  const id = 'f-111111111111-us-east-1-0007';
  await page.goto(`${served.url}/findings/${id}`);
  await page.locator('#timeline tbody tr').first().waitFor();
  const { history } = await apiJson<History>(`${served.url}/v1/findings/${id}/history`);
  const pick = history.find((h, i) => i > 0 && h.lifecycle !== history.at(-1)?.lifecycle) ?? history[1];
  assert.ok(pick);
  const row = page.locator(`#timeline tbody tr[data-position="${pick?.position ?? 0}"]`);
  await row.getByRole('button', { name: /Show state/ }).click();
  await page.waitForURL(/as_of=/);
  const then = await apiJson<{ lifecycle: string; scan_count: number }>(`${served.url}/v1/findings/${id}?as_of=${pick?.recorded_at ?? ''}`);
  await page.locator('#asof-state [data-field="lifecycle"]').waitFor();
  assert.is((await page.locator('#asof-state [data-field="lifecycle"]').innerText()).replace(' ', '_'), then.lifecycle);
  assert.is(then.lifecycle, pick?.lifecycle);
  assert.is(await inPage(page, 'document.activeElement.id'), 'asof-title', 'the reading continues at the state then');
  assert.is(await row.getByRole('button', { name: /Show state/ }).getAttribute('aria-pressed'), 'true');
  clean(browser);
});

Findings.run();
