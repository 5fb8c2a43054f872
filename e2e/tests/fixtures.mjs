// What the browser tests share: the platform's URL (started once by global-setup.mjs) and
// the steps several tests take to get a scanned table of their own.
//
// Selectors are roles, labels and visible text (Chinese, the default language), never CSS
// paths, so the tests follow what a user sees and survive layout changes.

import { randomBytes } from 'node:crypto';
import { test as base, expect } from '@playwright/test';
import { signIn } from '../lib/platform.mjs';

export { expect, signIn };

export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.SHUAN_E2E_URL;
    if (!url) throw new Error('SHUAN_E2E_URL is unset: run through `npx playwright test`');
    await use(url);
  },
  // `await pageAs('regulator')`: a page signed in as that user in a browser context of its
  // own (its own cookies), for tests where two parties take turns; closed after the test.
  pageAs: async ({ browser }, use) => {
    const contexts = [];
    await use(async (username) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await signIn(page, username);
      return page;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});

/** A token that makes this test's names unique on the shared server. */
export function uniqueName(prefix) {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Appends the GB 11643 (ISO 7064 MOD 11-2) check character to 17 digits. */
function residentId(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** A small generated CSV of people (no real person's data): names, resident ids, mobiles. */
export function personalDataCsv(rows = 30) {
  const surnames = ['王', '李', '张', '刘', '陈', '杨'];
  const given = ['伟', '芳', '娜', '敏', '静', '强', '磊'];
  const lines = ['姓名,身份证号,手机号,会员等级'];
  const twoDigits = (n) => String(n).padStart(2, '0');
  for (let i = 0; i < rows; i++) {
    const birth = `19${70 + (i % 30)}${twoDigits(1 + (i % 12))}${twoDigits(1 + (i % 28))}`;
    const id = residentId(`120101${birth}${String(100 + i)}`);
    const mobile = `138${String(20_000_000 + i * 7_919).padStart(8, '0')}`;
    lines.push(`${surnames[i % 6]}${given[i % 7]},${id},${mobile},${['金卡', '银卡'][i % 2]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Uploads `fileName` through the sources page's upload form. */
export async function uploadSource(page, { system, fileName, content }) {
  await page.goto('/sources');
  const form = page.getByRole('region', { name: '上传文件' });
  await form.getByLabel('信息系统').fill(system);
  await form.getByLabel('文件').setInputFiles({
    name: fileName,
    mimeType: 'text/csv',
    buffer: Buffer.from(content),
  });
  await form.getByRole('button', { name: '保存', exact: true }).click();
  await expect(page).toHaveURL(/\/sources$/);
}

/** Clicks the source's scan button; the platform answers with the jobs page. Returns the
 * job's row there. */
export async function startScan(page, sourceName) {
  await page.goto('/sources');
  const source = page.getByRole('row').filter({ hasText: sourceName });
  await source.getByRole('button', { name: '扫描', exact: true }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  return page.getByRole('row').filter({ hasText: sourceName });
}

/** Waits, on the jobs page that reloads itself while a job is active, for the job to succeed. */
export async function expectJobSucceeded(jobRow) {
  await expect(jobRow.getByText('已完成')).toBeVisible({ timeout: 120_000 });
}

/** Uploads the people CSV as a new source, scans it and opens its column `columnName`;
 * returns the source's name (the uploaded file's). */
export async function scannedColumn(page, columnName) {
  // A file's table is named after the file without its extension.
  const tableName = uniqueName('members');
  const fileName = `${tableName}.csv`;
  await uploadSource(page, { system: '会员系统', fileName, content: personalDataCsv() });
  await expectJobSucceeded(await startScan(page, fileName));
  await page.goto('/inventory');
  await page.getByLabel('表名包含').fill(tableName);
  await page.getByRole('button', { name: '筛选', exact: true }).click();
  await page.getByRole('link', { name: tableName, exact: true }).click();
  await page.getByRole('link', { name: columnName, exact: true }).click();
  await expect(page.getByRole('heading', { name: columnName, level: 1 })).toBeVisible();
  return fileName;
}

/** Corrects the open column's level with a reason; returns the level's id. */
export async function reviewLevel(page, { levelLabel, reason }) {
  const form = page.getByRole('region', { name: '确认或修正标签' });
  const [levelId] = await form.getByLabel('级别').selectOption({ label: levelLabel });
  await form.getByLabel('理由').fill(reason);
  await form.getByRole('button', { name: '复核', exact: true }).click();
  return levelId;
}
