// A rectification order (整改通知) from finding to closure in a real browser (issue 9): the
// regulator records a finding in the demo's inspection and issues an order from it; the
// operator's officer uploads evidence and answers; the regulator sends it back once, the
// operator answers again, and the regulator verifies and closes it. The test makes its own
// finding and order, so it runs alone.

import { expect, signIn, test, uniqueName } from './fixtures.mjs';

const OPERATOR_A = '津港数据科技有限公司';

/** Opens the demo's inspection from the supervision menu, as a user would. */
async function openDemoInspection(page) {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: '监管' }).click();
  await page.getByRole('listitem').getByRole('link', { name: '监督检查', exact: true }).click();
  await page.getByRole('link', { name: '2026年度数据安全“双随机”检查' }).click();
  await expect(page.getByText('按种子和候选名单重新抽取，结果一致')).toBeVisible();
}

test('issues a rectification order and follows it to closure', async ({ page, browser, baseURL }) => {
  await signIn(page, 'regulator');
  await openDemoInspection(page);
  const finding = uniqueName('未落实数据导出审批');
  const target = page.getByRole('region', { name: `1. ${OPERATOR_A}` });
  const findingForm = target.getByRole('form', { name: `记录问题 ${OPERATOR_A}` });
  await findingForm.getByLabel('风险等级').selectOption({ label: '高' });
  await findingForm.getByLabel('描述').fill(finding);
  await findingForm.getByRole('button', { name: '添加', exact: true }).click();
  await expect(target.getByRole('cell', { name: finding })).toBeVisible();

  const orderForm = target.getByRole('form', { name: `下达整改通知 ${OPERATOR_A}` });
  const requirements = uniqueName('建立数据导出审批流程');
  await orderForm.getByLabel('整改要求').fill(requirements);
  await orderForm.getByLabel('截止时间').fill('2030-06-30');
  await orderForm.getByRole('button', { name: '下达', exact: true }).click();
  await expect(page).toHaveURL(/\/rectifications\/\d+$/);
  await expect(page.getByText(requirements)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('已下达');
  const orderUrl = new URL(page.url()).pathname;

  // The operator's officer answers with evidence.
  const officer = await browser.newContext({ baseURL, locale: 'zh-CN' });
  const officerPage = await officer.newPage();
  await signIn(officerPage, 'officer_a');
  await officerPage.goto(orderUrl);
  const evidence = officerPage.getByRole('region', { name: '整改证据材料' });
  await evidence.getByLabel('文件').setInputFiles({
    name: '导出审批制度.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4 导出审批制度'),
  });
  await evidence.getByRole('button', { name: '上传', exact: true }).click();
  await expect(evidence.getByRole('link', { name: '导出审批制度.pdf' })).toBeVisible();
  const workflow = officerPage.getByRole('region', { name: '审核流程' });
  await workflow.getByLabel(/整改情况说明/).fill('已发布导出审批制度');
  await workflow.getByRole('button', { name: '提交整改答复' }).click();
  await expect(officerPage.getByRole('heading', { level: 1 })).toContainText('已答复');

  // The regulator sends it back once, with reasons.
  await page.goto(orderUrl);
  const review = page.getByRole('region', { name: '审核流程' });
  await review.getByLabel('意见').fill('审批记录样例缺失');
  await review.getByRole('button', { name: '退回重新整改' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('已退回');

  // The officer answers again; the regulator verifies and closes.
  await officerPage.goto(orderUrl);
  await officerPage.getByRole('region', { name: '审核流程' }).getByLabel(/整改情况说明/).fill('已补充审批记录样例');
  await officerPage.getByRole('button', { name: '提交整改答复' }).click();
  await expect(officerPage.getByRole('heading', { level: 1 })).toContainText('已答复');
  await page.goto(orderUrl);
  await page.getByRole('region', { name: '审核流程' }).getByLabel('意见').fill('核验通过');
  await page.getByRole('button', { name: '核验通过并销号' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('已销号');
  await expect(page.getByRole('region', { name: '审核流程' })).toContainText('当前无可执行的操作');
  const history = page.getByRole('row');
  for (const step of ['下达', '提交整改答复', '退回重新整改', '核验通过并销号']) {
    await expect(history.filter({ hasText: step }).first()).toBeVisible();
  }

  // Operator B, drawn in the same inspection, never reaches A's order.
  const other = await browser.newContext({ baseURL, locale: 'zh-CN' });
  const otherPage = await other.newPage();
  await signIn(otherPage, 'officer_b');
  const response = await otherPage.goto(orderUrl);
  expect(response.status()).toBe(404);
  await officer.close();
  await other.close();
});
