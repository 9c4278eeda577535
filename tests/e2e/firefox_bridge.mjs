// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (Firefox's own remote
// protocol: no geckodriver, no downloaded browser), for the pytest e2e suite (engines.py).
//
// One request per line on stdin, one answer per line on stdout, both JSON:
//   {"id": 1, "op": "goto", "ctx": 0, "args": ["http://localhost:…/vote/"]}
//   {"id": 1, "ok": true, "value": null}   or   {"id": 1, "ok": false, "error": "…"}
// Each context is a separate browser context (its own cookies), like a separate person.
// Selectors are CSS, or XPath when they start with "//".
import puppeteer from 'puppeteer-core';
import { createInterface } from 'node:readline';

const executablePath = process.env.SCRUTIN_FIREFOX || '/usr/bin/firefox-esr';
const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath,
  headless: true,
  extraPrefsFirefox: { 'intl.accept_languages': 'fr-FR, fr', 'browser.shell.checkDefaultBrowser': false },
});
const contexts = new Map();
let next = 0;

const selector = (s) => (s.startsWith('//') ? `::-p-xpath(${s})` : s);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function find(page, sel, timeout = 30000) {
  let handle = null;
  try {
    handle = await page.waitForSelector(selector(sel), { timeout });
  } catch (error) {
    if (error.name !== 'TimeoutError') throw error;
  }
  if (!handle) throw new Error(`nothing matches ${sel} on ${page.url()} (« ${await page.title()} »)`);
  return handle;
}

const ops = {
  async newContext() {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const id = next++;
    contexts.set(id, { context, page });
    return id;
  },
  async closeContext({ context }, id) {
    contexts.delete(id);
    await context.close();
  },
  async goto({ page }, url) {
    const response = await page.goto(url, { waitUntil: 'load' });
    return response ? response.status() : null;
  },
  async cookie({ page }, url, name, value) {
    await page.goto(url, { waitUntil: 'load' }); // as with WebDriver: a cookie of the open site
    await page.setCookie({ url, name, value });
  },
  async fill({ page }, sel, text) {
    const handle = await find(page, sel);
    await handle.evaluate((e) => { e.value = ''; });
    await handle.type(text); // real key presses through BiDi input actions
  },
  async click({ page }, sel) {
    await (await find(page, sel)).click();
  },
  async submit({ page }, sel) {
    const handle = await find(page, sel);
    // the ballot is encrypted (or the proof of work finished) before the form leaves
    await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 180000 }), handle.click()]);
  },
  async upload({ page }, sel, path) {
    await (await find(page, sel)).uploadFile(path);
  },
  async text({ page }, sel) {
    return (await find(page, sel)).evaluate((e) => e.innerText);
  },
  async waitText({ page }, sel, wanted, timeoutMs) {
    const end = Date.now() + timeoutMs;
    let seen = null;
    for (;;) {
      try {
        const handle = await page.$(selector(sel));
        seen = handle ? await handle.evaluate((e) => (e.hidden ? null : e.innerText)) : null;
      } catch {
        seen = null; // the page was being replaced: look again
      }
      if (seen !== null && seen.includes(wanted)) return seen;
      if (Date.now() > end) throw new Error(`${sel}: « ${wanted} » not seen within ${timeoutMs} ms (last: ${seen})`);
      await sleep(200);
    }
  },
  async evaluate({ page }, expression) {
    return page.evaluate(expression);
  },
};

const lines = createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ id: 0, ok: true, value: 'ready' }) + '\n');
for await (const line of lines) {
  const { id, op, ctx, args = [] } = JSON.parse(line);
  let answer;
  try {
    if (!(op in ops)) throw new Error(`unknown operation ${op}`);
    const target = ctx === undefined || ctx === null ? undefined : contexts.get(ctx);
    if (ctx !== undefined && ctx !== null && !target) throw new Error(`no context ${ctx}`);
    const value = target ? await ops[op](target, ...args, ctx) : await ops[op](...args);
    answer = { id, ok: true, value: value === undefined ? null : value };
  } catch (error) {
    answer = { id, ok: false, error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
await browser.close();
