import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inPage, openBrowser, screenshot, shownNumber, type Watched } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { apiJson, demoData, serve, type Served } from '../support/serve.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/*
 * Severity and SLA in the browser, against the real binary: demo data (its scanners state severities) whose first 60
 * findings (by id) were seen again by an import with other severities, under a policy short enough (critical 1 day,
 * high 2, medium 5) that the demo's three days breach some of them.
 */
const Severity = suite('web: severity and SLA on findings, a finding and the overview');
let dir = '';
let served: Served;
let browser: Watched | null = null;
const levels = ['critical', 'high', 'medium', 'low', 'informational'] as const;

const cli = async (...args: string[]) => {
  const r = await runCli(['--data', join(dir, 'data'), ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

Severity.before(async () => {
  dir = makeTempDir('web-severity');
  await demoData(join(dir, 'data'), 3);
  const listed = JSON.parse(await cli('--json', 'finding', 'list', '--limit', '60')) as {
    findings: { finding_id: string; asset_id: string; rule_id: string }[];
  };
  const records = listed.findings.map((f, i) => ({ finding_id: f.finding_id, asset_id: f.asset_id, rule_id: f.rule_id, severity: levels[i % levels.length] }));
  writeFileSync(join(dir, 'severities.ndjson'), records.map((r) => JSON.stringify(r)).join('\n'));
  await cli('schema', 'write', 'FindingTracked', '2');
  await cli('finding', 'import', join(dir, 'severities.ndjson'));
  await cli('sla', 'policy', 'set', '--critical', '1', '--high', '2', '--medium', '5');
  served = await serve(join(dir, 'data'));
});
Severity.after.each(async () => {
  await browser?.close();
  browser = null;
});
Severity.after(async () => {
  await served.stop();
  removeDir(dir);
});

interface Finding {
  finding_id: string;
  severity: string;
  sla_due_at: string | null;
  sla_breached: boolean;
}
interface Page {
  findings: Finding[];
  next_cursor: string | null;
}
const api = (path: string) => apiJson<Page>(`${served.url}${path}`);
const shownIds = async (w: Watched) => w.page.locator('#findings tbody tr td:first-child').allInnerTexts();
const clean = (w: Watched) => {
  assert.equal(w.errors, [], 'no console error');
  assert.equal(w.failed, [], 'no failed request');
};

Severity('the severity filter goes into the URL, the rows are the API’s page for it, and the URL opened anew shows the same', async () => {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings`);
  await page.locator('#findings tbody tr').first().waitFor();
  await page.getByLabel('Severity', { exact: true }).selectOption('critical');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/severity=critical/);
  const url = new URL(page.url());
  assert.is(url.searchParams.get('severity'), 'critical');
  const expected = await api('/v1/findings?severity=critical&sort=-last_seen&limit=50');
  assert.ok(expected.findings.length > 0 && expected.findings.every((f) => f.severity === 'critical'));
  await page.getByRole('status').filter({ hasText: `${expected.findings.length} shown` }).filter({ hasText: 'severity critical' }).waitFor();
  assert.equal(await shownIds(browser), expected.findings.map((f) => f.finding_id));
  assert.ok((await page.locator('#findings tbody tr .severity').allInnerTexts()).every((t) => t === 'critical'));
  await page.goto(url.toString());
  await page.locator('#findings tbody tr').first().waitFor();
  assert.is(await page.getByLabel('Severity', { exact: true }).inputValue(), 'critical');
  assert.equal(await shownIds(browser), expected.findings.map((f) => f.finding_id));
  clean(browser);
});

Severity('the SLA filter (breached, due within 7 days) goes into the URL and shows the API’s page, each row due and marked breached', async () => {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings`);
  await page.locator('#findings tbody tr').first().waitFor();
  await page.getByLabel('SLA', { exact: true }).selectOption('breached');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/sla=breached/);
  const breached = await api('/v1/findings?sla=breached&sort=-last_seen&limit=50');
  assert.ok(breached.findings.length > 0, 'the short policy breaches some demo findings');
  await page.getByRole('status').filter({ hasText: `${breached.findings.length} shown` }).filter({ hasText: 'SLA breached' }).waitFor();
  assert.equal(await shownIds(browser), breached.findings.map((f) => f.finding_id));
  assert.is(await page.locator('#findings tbody tr [data-breached="true"]').count(), breached.findings.length);

  await page.getByLabel('SLA', { exact: true }).selectOption('due-within=7d');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/sla=due-within%3D7d|sla=due-within=7d/);
  const due = await api('/v1/findings?sla=due-within%3D7d&sort=-last_seen&limit=50');
  assert.ok(due.findings.length > 0);
  await page.getByRole('status').filter({ hasText: `${due.findings.length} shown` }).filter({ hasText: 'due within 7 days' }).waitFor();
  assert.equal(await shownIds(browser), due.findings.map((f) => f.finding_id));
  assert.is(await page.locator('#findings tbody tr [data-breached="false"]').count(), due.findings.length);
  clean(browser);
});

Severity('a finding’s page shows its severity, its due date and whether it is breached, as the API has them', async () => {
  const [one] = (await api('/v1/findings?sla=breached&limit=1')).findings;
  assert.ok(one !== undefined && one.sla_due_at !== null);
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings/${encodeURIComponent(one.finding_id)}`);
  await page.locator('[data-field="severity"]').waitFor();
  assert.is(await page.locator('[data-field="severity"]').innerText(), one.severity);
  assert.is(await page.locator('[data-field="sla_due_at"] time').getAttribute('datetime'), one.sla_due_at);
  assert.match(await page.locator('[data-field="sla_due_at"]').innerText(), 'breached');
  assert.is(await page.locator('[data-field="sla_breached"]').innerText(), 'yes');
  clean(browser);
});

Severity('the overview’s counts per severity, and its breached counts, are /v1/stats’s; at 1280 and 390 px', async () => {
  for (const width of [1280, 390]) {
    browser = await openBrowser(width);
    const { page } = browser;
    await page.goto(`${served.url}/`);
    await page.locator('#by-severity tbody tr').first().waitFor();
    const stats = await apiJson<{ breached: number; by_severity: Record<string, Record<string, number>> }>(`${served.url}/v1/stats`);
    assert.ok(stats.breached > 0);
    assert.is(shownNumber(await page.locator('[data-figure="breached"] dd').textContent()), stats.breached);
    for (const [severity, counts] of Object.entries(stats.by_severity))
      for (const key of ['total', 'open', 'breached'])
        assert.is(shownNumber(await page.locator(`#by-severity tr[data-severity="${severity}"] [data-count="${key}"]`).textContent()), counts[key], `${severity} ${key}`);
    assert.is(await page.locator('#by-severity tbody tr').count(), 6);
    await screenshot(page, 'overview-severity');
    const scroll = await inPage<number>(page, 'document.documentElement.scrollWidth');
    assert.ok(scroll <= width, `the overview at ${width} px does not scroll sideways (${scroll})`);
    // A breached count links to the findings it counts.
    await page.locator('#by-severity tr[data-severity="critical"] [data-count="breached"] a').click();
    await page.waitForURL(/severity=critical/);
    const url = new URL(page.url());
    assert.equal([url.searchParams.get('severity'), url.searchParams.get('sla')], ['critical', 'breached']);
    await page.locator('#findings tbody tr').first().waitFor();
    // One page of them (50 rows at most).
    assert.is(await page.locator('#findings tbody tr').count(), Math.min(50, stats.by_severity.critical?.breached ?? 0));
    clean(browser);
    await browser.close();
    browser = null;
  }
});

Severity.run();
