// Screenshots of the platform's main pages, in Chinese and in English, for the docs:
// docs/img/platform-<page>.png (中文) and docs/img/platform-<page>-en.png. Starts its own
// `shuan demo` like the tests do. Run: `cd e2e && node screenshots.mjs`.

import path from 'node:path';
import { chromium } from '@playwright/test';
import { REPO_ROOT, signIn, startPlatform } from './lib/platform.mjs';

const OUT_DIR = path.join(REPO_ROOT, 'docs/img');
const VIEWPORT = { width: 1366, height: 900 };
// The column shown on the review page: a sample table's source IP addresses.
const SHOWN_TABLE = 't001';
const SHOWN_COLUMN = 'src_ip';

/** A review with a reason, so the column page shows a history and the audit trail the review. */
async function reviewShownColumn(page) {
  await page.goto(`/inventory?q=${SHOWN_TABLE}`);
  await page.getByRole('link', { name: SHOWN_TABLE, exact: true }).click();
  await page.getByRole('link', { name: SHOWN_COLUMN, exact: true }).click();
  const form = page.getByRole('region', { name: '确认或修正标签' });
  await form.getByLabel('理由').fill('源地址可关联到个人上网行为，确认为个人信息');
  await form.getByRole('button', { name: '复核', exact: true }).click();
  await page.getByText('已复核', { exact: true }).waitFor();
  return `${new URL(page.url()).pathname}?samples=1`;
}

async function capture(context, lang, pages) {
  await context.addCookies([{ name: 'shuan_lang', value: lang, url: pages.baseURL }]);
  const page = await context.newPage();
  for (const [name, url] of pages.list) {
    await page.goto(url);
    await page.waitForLoadState('networkidle');
    const file = path.join(OUT_DIR, `platform-${name}${lang === 'en' ? '-en' : ''}.png`);
    await page.screenshot({ path: file });
    console.log(file);
  }
  await page.close();
}

const platform = await startPlatform();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
});
try {
  const contextOptions = { baseURL: platform.url, viewport: VIEWPORT, locale: 'zh-CN' };
  for (const lang of ['zh', 'en']) {
    const anonymous = await browser.newContext(contextOptions);
    await capture(anonymous, lang, { baseURL: platform.url, list: [['login', '/login']] });
    await anonymous.close();
  }

  const officer = await browser.newContext(contextOptions);
  const reviewPage = await officer.newPage();
  await signIn(reviewPage, 'officer_a');
  const columnUrl = await reviewShownColumn(reviewPage);
  const backToTable = reviewPage.getByRole('link', { name: `← ${SHOWN_TABLE}` });
  const tableUrl = await backToTable.getAttribute('href');
  await reviewPage.close();
  const signedInPages = [
    ['dashboard', '/'],
    ['sources', '/sources'],
    ['jobs', '/jobs'],
    ['inventory', '/inventory'],
    ['table', tableUrl],
    ['column', columnUrl],
    ['audit', '/audit'],
  ];
  for (const lang of ['zh', 'en']) {
    await capture(officer, lang, { baseURL: platform.url, list: signedInPages });
  }
  await officer.close();
} finally {
  await browser.close();
  await platform.stop();
}
