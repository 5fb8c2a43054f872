// Incidents in a real browser against a real `shuan demo` (issue 9): an operator reports one,
// Shu'an grades it by the rules file and starts the reporting clocks, the regulator sees it in
// its list and records the forward to the national level, and another operator gets a 404.

import { expect, signIn, test, uniqueName } from './fixtures.mjs';

const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The Beijing wall time of `ms` (Unix milliseconds) as a datetime-local input takes it. */
function beijingInput(ms) {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 16);
}

/** The Beijing wall time of `ms` as the pages show it (`YYYY-MM-DD HH:MM`). */
function beijingShown(ms) {
  return beijingInput(ms).replace('T', ' ');
}

test('reports an incident: graded 重大 with its reasons, deadlines running, forwarded', async ({
  page,
  pageAs,
}) => {
  await signIn(page, 'officer_a');
  await page.goto('/incidents');
  const form = page.getByRole('region', { name: '报告安全事件' });
  const title = uniqueName('会员库越权导出');
  // Discovered 20 minutes ago: the initial report, made on submitting, is within its 4 hours.
  const discoveredMs = Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000;
  await form.getByLabel('事件名称').fill(title);
  await form.getByLabel('报告主体类型').selectOption({ label: '其他网络运营者（4小时内）' });
  await form.getByLabel('发现时间').fill(beijingInput(discoveredMs));
  await form.getByLabel('涉及数据类型').fill('姓名、身份证号、手机号');
  await form.getByLabel('涉及个人信息（人）', { exact: true }).fill('1500000');
  await form.getByLabel('涉及敏感个人信息（人）', { exact: true }).fill('1200000');
  const reportedFrom = Date.now();
  await form.getByRole('button', { name: '报告安全事件', exact: true }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const reportedTo = Date.now();
  const incidentUrl = page.url();

  // 1,200,000 people's sensitive personal information: 重大 (MIIT 1.4 重大（四）, ≥ 1,000,000).
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${title} 重大`);
  const reasons = page.getByRole('region', { name: '定级依据' }).getByRole('row');
  const major = reasons.filter({ hasText: '1.4 重大（四）' }).filter({ hasText: '敏感' });
  await expect(major.getByRole('cell')).toHaveText([
    '重大',
    '涉及敏感个人信息（人）',
    '1200000',
    '≥ 1000000',
    /1\.4 重大（四）/,
  ]);

  // The clocks: the initial report 4 hours from discovery (done now, on time); the forward to
  // the national level (重大 and above) 1 hour from the initial report, still to come.
  const deadlines = page.getByRole('region', { name: '报告时限' }).getByRole('row');
  const initial = deadlines.filter({ hasText: '首次报告' });
  await expect(initial).toContainText(beijingShown(discoveredMs + 4 * 3_600_000));
  await expect(initial).toContainText('按时完成');
  const forward = deadlines.filter({ hasText: '逐级上报国家网信部门' });
  const forwardDue = [reportedFrom, reportedTo].map((ms) => beijingShown(ms + 3_600_000));
  await expect(forward).toContainText(new RegExp(forwardDue.join('|')));
  await expect(forward).toContainText('未到期');

  // The regulator sees it in its list with the next deadline, and records the forward.
  const regulator = await pageAs('regulator');
  await regulator.goto('/incidents');
  const listed = regulator.getByRole('row').filter({ hasText: title });
  await expect(listed).toContainText('津港数据科技有限公司');
  await expect(listed).toContainText('重大');
  await expect(listed).toContainText('逐级上报国家网信部门');
  await listed.getByRole('link', { name: title }).click();
  const timeline = regulator.getByRole('region', { name: '处置记录' });
  await timeline.getByLabel('类型').selectOption({ label: '已上报国家网信部门' });
  const forwarded = uniqueName('已通过省级网信部门报国家网信部门');
  await timeline.getByLabel('详情').fill(forwarded);
  await timeline.getByRole('button', { name: '添加记录', exact: true }).click();
  const entry = timeline.getByRole('row').filter({ hasText: forwarded });
  await expect(entry).toContainText('王监管');
  await expect(entry).toContainText('已上报国家网信部门');
  const forwardSeenByRegulator = regulator
    .getByRole('region', { name: '报告时限' })
    .getByRole('row')
    .filter({ hasText: '逐级上报国家网信部门' });
  await expect(forwardSeenByRegulator).toContainText('按时完成');

  // Operator B neither lists nor opens it.
  const intruder = await pageAs('officer_b');
  await intruder.goto('/incidents');
  await expect(intruder.getByText(title)).toHaveCount(0);
  const response = await intruder.goto(incidentUrl);
  expect(response.status()).toBe(404);
  await expect(intruder.getByText(title)).toHaveCount(0);
});
