import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { count } from '../../src/web/format.js';
import { runCli } from '../support/cli.js';
import { inPage, openBrowser, shownNumber, type Watched } from '../support/browser.js';
import { apiJson, createToken, demoData, serve, type Served } from '../support/serve.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/*
 * Decisions as the signed-in person (a token made by `token create`, entered once per tab, sent as a Bearer header),
 * the server's refusals in its own words, and pages that follow writes made by another process without a reload.
 */
const Decisions = suite('web: decisions as the signed-in person, refusals, live updates');
let dir = '';
let data = '';
let served: Served;
let browser: Watched | null = null;
Decisions.before(async () => {
  dir = makeTempDir('web-decisions');
  data = join(dir, 'data');
  await demoData(data, 3);
  served = await serve(data);
});
Decisions.after.each(async () => {
  await browser?.close();
  browser = null;
});
Decisions.after(async () => {
  await served.stop();
  removeDir(dir);
});

type Json = Record<string, unknown>;
interface History {
  history: { type: string; actor: string; actor_role: string | null; actor_via: string | null; on_behalf_of: string | null; data: Json }[];
}

/** A finding that is open now, a different one for each test (ids come back in order). */
let taken = 0;
const openFinding = async (): Promise<string> => {
  const page = await apiJson<{ findings: { finding_id: string }[] }>(`${served.url}/v1/findings?lifecycle=recurring&limit=20`);
  const id = page.findings[taken++]?.finding_id;
  if (id === undefined) throw new Error('no open finding left');
  return id;
};

const signIn = async (w: Watched, token: string, name: string) => {
  await w.page.getByRole('button', { name: 'Sign in with a token' }).click();
  await w.page.getByLabel('Personal token', { exact: true }).fill(token);
  await w.page.getByRole('form', { name: 'Sign in with a personal token' }).getByRole('button', { name: 'Sign in' }).click();
  await w.page.locator('.who strong', { hasText: name }).waitFor();
};

const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

Decisions('signed in with a personal token, a suppression is recorded as that person and the lifecycle changes', async () => {
  const token = await createToken(data, 'alice', 'analyst');
  const id = await openFinding();
  browser = await openBrowser();
  const { page, context } = browser;
  const sent: { url: string; auth: string | undefined }[] = [];
  context.on('request', (r) => sent.push({ url: r.url(), auth: r.headers().authorization }));
  await page.goto(`${served.url}/findings/${id}`);
  await page.locator('#current-state [data-field="lifecycle"]').waitFor();
  assert.is(await page.locator('#decision').count(), 0, 'an anonymous viewer is offered no decision');
  assert.match(await page.getByRole('region', { name: 'Decide' }).or(page.locator('section[aria-labelledby="decide-title"]')).innerText(), /need the analyst or admin role/);

  await signIn(browser, token, 'alice');
  assert.match(await page.locator('.who').innerText(), /alice \(analyst\)/);
  await page.getByLabel('Decision', { exact: true }).selectOption('suppress');
  await page.getByLabel(/Reason/).fill('accepted in the e2e test');
  await page.getByLabel(/Until/).fill(later(30));
  await page.getByRole('button', { name: 'Record as alice' }).click();
  await page.getByText('Recorded: the finding is now suppressed.').waitFor();
  await page.locator('#current-state [data-field="lifecycle"]', { hasText: 'suppressed' }).waitFor();
  await page.locator('#timeline tbody tr').last().filter({ hasText: 'alice' }).waitFor();
  assert.match(await page.locator('#timeline tbody tr').last().innerText(), /suppressed until .*alice \(analyst, token\).*accepted in the e2e test/s);

  const now = await apiJson(`${served.url}/v1/findings/${id}`);
  assert.equal([now.lifecycle, now.suppressed_by, now.suppression_reason], ['suppressed', 'alice', 'accepted in the e2e test']);
  assert.match(String(now.suppressed_until), new RegExp(`^${later(30)}T00:00:00`));
  const last = (await apiJson<History>(`${served.url}/v1/findings/${id}/history`)).history.at(-1);
  assert.equal([last?.type, last?.actor, last?.actor_role, last?.on_behalf_of], ['FindingSuppressed', 'alice', 'analyst', null]);

  // The token went as a Bearer header on every request after signing in, never in a URL, and no cookie holds it.
  assert.ok(sent.some((s) => s.url.endsWith(`/v1/findings/${id}/suppress`) && s.auth === `Bearer ${token}`));
  assert.equal(sent.filter((s) => s.url.includes(token)), []);
  assert.equal(await context.cookies(), []);
  assert.is(await inPage(page, `sessionStorage.getItem('stance-state.token')`), token);
  assert.is(await inPage(page, 'localStorage.length'), 0);
  assert.equal(browser.errors, []);
  assert.equal(browser.failed, []);
});

Decisions('a write without the token shows the server’s refusal, and nothing is written', async () => {
  const token = await createToken(data, 'bob', 'analyst');
  const id = await openFinding();
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings/${id}`);
  await signIn(browser, token, 'bob');
  const before = (await apiJson<History>(`${served.url}/v1/findings/${id}/history`)).history.length;
  // The token is gone (another tab signed out, the session ended) while the form is on the screen.
  await inPage(page, `sessionStorage.removeItem('stance-state.token')`);
  await page.getByLabel('Decision', { exact: true }).selectOption('notes');
  await page.getByLabel('Note', { exact: true }).fill('should not be written');
  await page.getByRole('button', { name: 'Record as bob' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const server = await fetch(`${served.url}/v1/findings/${id}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'x' }),
  });
  const refusal = ((await server.json()) as Json).error as string;
  assert.is(server.status, 401);
  assert.is(await alert.innerText(), `Refused: ${refusal}`);
  assert.is(await inPage(page, 'document.activeElement.getAttribute("role")'), 'alert', 'the refusal has the focus');
  assert.is((await apiJson<History>(`${served.url}/v1/findings/${id}/history`)).history.length, before);
  assert.equal(browser.failed, [`POST ${served.url}/v1/findings/${id}/notes: 401`], 'the refused write, and nothing else');
});

Decisions('a refusal for the scope is the server’s message; a viewer is offered no decision at all', async () => {
  const scoped = await createToken(data, 'carol', 'analyst', ['--scope', '999999999999']);
  const id = await openFinding();
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${served.url}/findings/${id}`);
  await signIn(browser, scoped, 'carol');
  await page.getByLabel('Decision', { exact: true }).selectOption('resolve');
  await page.getByLabel(/Reason/).fill('fixed');
  await page.getByRole('button', { name: 'Record as carol' }).click();
  const server = await fetch(`${served.url}/v1/findings/${id}/resolve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${scoped}` },
    body: JSON.stringify({ reason: 'fixed' }),
  });
  assert.is(server.status, 403);
  assert.is(await page.getByRole('alert').innerText(), `Refused: ${((await server.json()) as Json).error as string}`);
  await browser.close();

  const viewer = await createToken(data, 'dave', 'viewer');
  browser = await openBrowser();
  await browser.page.goto(`${served.url}/findings/${id}`);
  await signIn(browser, viewer, 'dave');
  await browser.page.getByText(/this page acts as dave \(viewer\)/).waitFor();
  assert.is(await browser.page.locator('#decision').count(), 0);
  assert.equal(browser.errors, []);
  assert.equal(browser.failed, []);
});

Decisions('writes by the CLI in another process appear on open pages without a reload', async () => {
  const id = await openFinding();
  browser = await openBrowser();
  const { page, context } = browser;
  await page.goto(`${served.url}/findings/${id}`);
  await page.locator('#timeline tbody tr').first().waitFor();
  const overview = await context.newPage();
  await overview.goto(`${served.url}/`);
  await overview.locator('[data-figure="total"] dd').waitFor();
  const total = shownNumber(await overview.locator('[data-figure="total"] dd').innerText());
  // Marks that survive only as long as the pages are not reloaded.
  await inPage(page, 'window.stayed = true');
  await inPage(overview, 'window.stayed = true');
  await page.locator('footer .live-on').waitFor();

  const note = await runCli(['--data', data, '--as', 'erin', 'finding', 'note', id, '--text', 'written by another process']);
  assert.is(note.code, 0, note.stderr);
  await page.locator('#current-state .notes li', { hasText: 'written by another process' }).waitFor({ timeout: 10_000 });
  await page.locator('#timeline tbody tr').last().filter({ hasText: 'erin' }).waitFor();

  const tracked = await runCli(['--data', data, 'finding', 'track', 'f-live-e2e', '--asset', 'arn:live', '--rule', 'r-live']);
  assert.is(tracked.code, 0, tracked.stderr);
  await overview.locator('[data-figure="total"] dd', { hasText: count(total + 1) }).waitFor({ timeout: 10_000 });
  assert.is(await inPage(page, 'window.stayed'), true, 'the finding page was not reloaded');
  assert.is(await inPage(overview, 'window.stayed'), true, 'the overview was not reloaded');
  assert.equal(browser.errors, []);
  assert.equal(browser.failed, []);
});

Decisions('behind the login proxy the page acts as the person it names, with no token to enter', async () => {
  const proxied = await serve(data, ['--trusted-proxy', '127.0.0.1', '--proxy-role', 'secops=analyst']);
  try {
    const id = await openFinding();
    browser = await openBrowser();
    const { page, context } = browser;
    // What an authenticating proxy on this machine adds to every request it forwards.
    await context.setExtraHTTPHeaders({ 'x-forwarded-user': 'pat', 'x-forwarded-groups': 'secops,staff' });
    await page.goto(`${proxied.url}/findings/${id}`);
    await page.locator('.who strong', { hasText: 'pat' }).waitFor();
    assert.match(await page.locator('.who').innerText(), /pat \(analyst, company login\)/);
    assert.is(await page.getByRole('button', { name: 'Sign in with a token' }).count(), 0, 'nothing to sign in with');
    await page.getByLabel('Decision', { exact: true }).selectOption('resolve');
    await page.getByLabel(/Reason/).fill('fixed behind the proxy');
    await page.getByRole('button', { name: 'Record as pat' }).click();
    await page.getByText('Recorded: the finding is now resolved.').waitFor();
    // Read back through the other serve: from a trusted proxy address, anonymous reads are refused.
    const last = (await apiJson<History>(`${served.url}/v1/findings/${id}/history`)).history.at(-1);
    assert.equal([last?.type, last?.actor, last?.actor_role, last?.actor_via], ['FindingResolved', 'pat', 'analyst', 'proxy']);
    assert.equal(browser.errors, []);
    assert.equal(browser.failed, []);
  } finally {
    await browser?.close();
    browser = null;
    await proxied.stop();
  }
});

Decisions.run();
