// The platform's main paths in a real browser against a real `shuan demo` (issue 7): sign in,
// add a source, scan it and watch it finish, review a label, export the list, switch language,
// and one operator kept out of another's inventory. Each test signs in itself and makes the
// records it changes, so any one of them can run alone.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../lib/platform.mjs';
import {
  expect,
  expectJobSucceeded,
  personalDataCsv,
  reviewLevel,
  scannedColumn,
  signIn,
  startScan,
  test,
  uniqueName,
  uploadSource,
} from './fixtures.mjs';

test('signs in with the right password only, and signs out', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('用户名', { exact: true }).fill('officer_a');
  await page.getByLabel('密码', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('用户名或密码错误，或账户已被临时锁定');
  await expect(page.getByRole('navigation', { name: 'main' })).toHaveCount(0);

  await signIn(page, 'officer_a');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: '总览' })).toBeVisible();
  await expect(page.getByText('李安全 · 津港数据科技有限公司 · 数据安全负责人')).toBeVisible();

  await page.getByRole('button', { name: '退出', exact: true }).click();
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
  await page.goto('/sources');
  await expect(page).toHaveURL(/\/login$/);
});

test('adds a source by uploading a CSV of personal data', async ({ page }) => {
  await signIn(page, 'dataadmin_a');
  const fileName = `${uniqueName('customers')}.csv`;
  await uploadSource(page, { system: '客户关系系统', fileName, content: personalDataCsv() });

  const row = page.getByRole('row').filter({ hasText: fileName });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell', { name: '客户关系系统' })).toBeVisible();
  await expect(row.getByRole('cell', { name: '上传文件' })).toBeVisible();
  await expect(row.getByRole('button', { name: '扫描', exact: true })).toBeVisible();
});

test('runs a scan and watches its progress until it is done', async ({ page }) => {
  await signIn(page, 'officer_a');
  // A server folder with the 40 bundled sample tables: progress counts files, so a scan of
  // many files has a visible "running, n of 40" before it is done.
  const tablesDir = path.join(REPO_ROOT, 'crates/cli/tests/corpus/tables');
  const sourceName = uniqueName('样例目录');
  await page.goto('/sources');
  const form = page.getByRole('region', { name: '添加服务器路径' });
  await form.getByLabel('信息系统').fill('档案系统');
  await form.getByLabel('名称').fill(sourceName);
  await form.getByLabel('路径').fill(tablesDir);
  await form.getByRole('button', { name: '保存', exact: true }).click();

  const job = await startScan(page, sourceName);
  await expect(job.getByText(/排队中|运行中/)).toBeVisible();
  const progress = job.getByRole('progressbar', { name: '进度' });
  await expect(progress).toHaveAttribute('max', '100');

  // No reload from the test: the page refreshes itself while the job is active.
  await expectJobSucceeded(job);
  await expect(progress).toHaveAttribute('value', '100');
  await expect(job).toContainText('40/40');
  await expect(page.getByRole('button', { name: '取消', exact: true })).toHaveCount(0);
});

test('reviews a label with a reason, and the history keeps it', async ({ page }) => {
  await signIn(page, 'officer_a');
  await scannedColumn(page, '手机号');
  const detected = page.getByRole('region', { name: '识别结果' });
  await expect(detected).toContainText('cn_mobile');
  await expect(page.getByText('待复核')).toBeVisible();

  const reason = uniqueName('会员手机号与身份证号关联，按敏感个人信息管理');
  await reviewLevel(page, { levelLabel: '敏感个人信息', reason });

  await expect(page.getByText('已复核', { exact: true })).toBeVisible();
  const history = page.getByRole('region', { name: '复核记录' });
  const decision = history.getByRole('row').filter({ hasText: reason });
  await expect(decision).toHaveCount(1);
  await expect(decision).toContainText('officer_a');
  await expect(decision).toContainText('pi → sensitive-pi');
  await expect(page.getByRole('region', { name: '确认或修正标签' }).getByLabel('级别')).toHaveValue(
    'sensitive-pi',
  );
});

test('exports the classification list as CSV with the reviewed label', async ({ page }) => {
  await signIn(page, 'officer_a');
  const sourceName = await scannedColumn(page, '身份证号');
  const levelId = await reviewLevel(page, { levelLabel: '核心数据', reason: '导出测试' });
  await expect(page.getByText('已复核', { exact: true })).toBeVisible();

  await page.goto('/inventory');
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: /导出分类分级清单.*CSV/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('inventory.csv');

  const csv = await readFile(await download.path(), 'utf8');
  expect(csv.startsWith('\uFEFF')).toBe(true);
  const [header, ...rows] = csv.slice(1).trimEnd().split(/\r?\n/);
  // The header names are the export's contract; the cells of this test's own rows hold no
  // comma or quote, so splitting them on commas is exact.
  const fields = header.split(',');
  const column = (row, name) => row.split(',')[fields.indexOf(name)];
  const ours = rows.filter((row) => column(row, 'source') === sourceName);
  expect(ours.map((row) => column(row, 'column')).sort()).toEqual(['会员等级', '姓名', '手机号', '身份证号']);
  const reviewed = ours.find((row) => column(row, 'column') === '身份证号');
  expect(column(reviewed, 'level')).toBe(levelId);
  expect(levelId).toBe('core');
  expect(column(reviewed, 'reviewed')).toBe('yes');
  expect(column(reviewed, 'detected_level')).toBe('sensitive-pi');
});

test('switches the language between 中文 and English, and keeps the choice', async ({ page }) => {
  await signIn(page, 'auditor_a');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');

  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  const nav = page.getByRole('navigation', { name: 'main' });
  await nav.getByRole('link', { name: 'Audit trail' }).click();
  await expect(page.getByRole('heading', { name: 'Audit trail' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Audit log integrity verified');

  await page.getByRole('link', { name: '中文' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('heading', { name: '审计日志' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

test("an operator's user cannot open another operator's table or column", async ({
  browser,
  page,
}) => {
  // Operator B's officer opens its own demo table (the seeded SQLite database) and a column.
  await signIn(page, 'officer_b');
  await page.goto('/inventory');
  await page.getByRole('link', { name: 'applicants' }).click();
  const tableUrl = page.url();
  await page.getByRole('link', { name: 'sfzh', exact: true }).click();
  const columnUrl = page.url();
  expect(tableUrl).toMatch(/\/inventory\/tables\/\d+$/);
  expect(columnUrl).toMatch(/\/inventory\/columns\/\d+$/);

  const operatorA = await browser.newContext();
  try {
    const intruder = await operatorA.newPage();
    await signIn(intruder, 'officer_a');
    for (const url of [tableUrl, columnUrl]) {
      const response = await intruder.goto(url);
      expect(response.status()).toBe(404);
      const errorPage = intruder.getByRole('heading', { name: '出错了 / Something went wrong' });
      await expect(errorPage).toBeVisible();
      await expect(intruder.getByText('applicants')).toHaveCount(0);
    }
    // Nor may it review the column: the form post is refused the same way.
    await intruder.goto('/sources');
    const csrf = await intruder.locator('input[name="csrf"]').first().inputValue();
    const review = await intruder.request.post(`${columnUrl}/review`, {
      form: { csrf, level: 'general', reason: 'cross-tenant write' },
      maxRedirects: 0,
    });
    expect(review.status()).toBe(404);
  } finally {
    await operatorA.close();
  }

  // The column is untouched, as operator B sees it.
  await page.goto(columnUrl);
  await expect(page.getByRole('region', { name: '复核记录' })).toContainText('暂无数据');
});
