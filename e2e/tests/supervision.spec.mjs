// Supervision in a real browser against a real `shuan demo` (issue 8): an operator files its
// important-data catalog and the regulator returns, then accepts it; a campaign is sent,
// answered with evidence, concluded and read on the heatmap; and another operator is kept out
// of both. Two parties take turns in one test, each in a browser context of its own.
//
// An operator has one filing, amended over time (变更备案), so the filing tests start from
// whatever state an earlier test left it in; everything else a test changes it creates itself
// (a scanned column, an activity, a campaign, all with unique names).

import { readFile } from 'node:fs/promises';
import {
  addActivity,
  answerRequirements,
  filingHeading,
  fireEvent,
  openAssessment,
  openOwnFiling,
  pickCatalog,
  removeActivity,
  sendCampaign,
  uploadEvidence,
} from '../lib/supervision.mjs';
import {
  expect,
  reviewLevel,
  scannedColumn,
  signIn,
  test,
  uniqueName,
} from './fixtures.mjs';

const OPERATOR_A = '津港数据科技有限公司';
const OPERATOR_B = '海河政务服务中心';
const SELF_CHECK = '数据安全自查（组织机构、责任制、制度、技术措施） (v1, 18)';
const FIRST_REQUIREMENT = 'ORG-1 设立或明确数据安全管理机构，由单位负责人或分管领导牵头。';

/** The date `days` from today as a date input takes it (YYYY-MM-DD). */
function dateInDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Uploads a small text file of `content` as evidence of the first requirement; returns the
 * file's name. */
async function uploadFirstEvidence(page, content) {
  const fileName = `${uniqueName('数据安全管理机构任命文件')}.txt`;
  await uploadEvidence(page, { requirement: FIRST_REQUIREMENT, fileName, content });
  return fileName;
}

test('files the important-data catalog; returned with a comment, resubmitted, accepted', async ({
  page,
  pageAs,
}) => {
  // The catalog's candidate: a column of this test's own, reviewed as important data.
  await signIn(page, 'officer_a');
  const sourceName = await scannedColumn(page, '身份证号');
  await reviewLevel(page, { levelLabel: '重要数据', reason: '会员身份证号汇聚达到重要数据规模' });
  await expect(page.getByText('已复核', { exact: true })).toBeVisible();
  const tableName = sourceName.replace(/\.csv$/, '');
  const catalogKey = `会员系统 / ${sourceName} / ${tableName}.身份证号`;

  await openOwnFiling(page);
  const filingPath = new URL(page.url()).pathname;
  // Accepted by an earlier test: this one files a change (变更备案).
  const amend = page.getByRole('button', { name: '变更备案', exact: true });
  if ((await amend.count()) > 0) {
    await fireEvent(page, { button: '变更备案', status: '草稿' });
  }

  await pickCatalog(page, [catalogKey]);
  const catalog = page.getByRole('region', { name: '重要数据目录', exact: true });
  const entry = catalog.getByRole('row').filter({ hasText: sourceName });
  await expect(entry.getByRole('cell')).toHaveText([
    `会员系统 / ${sourceName}`,
    tableName,
    '身份证号',
    'cn_resident_id',
    'personal/identity',
    '重要数据',
    '30',
  ]);

  const activity = uniqueName('会员实名登记');
  const activityFields = {
    名称: activity,
    处理目的: '会员开户实名核验',
    处理方式: '收集、存储、使用',
    数据种类: '姓名、身份证号、手机号',
    数据规模: '30 人',
    安全保护措施: '加密存储、访问审批',
  };
  await addActivity(page, activityFields);
  await fireEvent(page, { button: '提交', status: '已提交' });

  // The regulator finds it in its list, reads the submitted catalog and returns it.
  const regulator = await pageAs('regulator');
  await regulator.goto('/filings');
  await regulator
    .getByRole('row')
    .filter({ hasText: OPERATOR_A })
    .getByRole('link', { name: '数据安全信息备案', exact: true })
    .click();
  await expect(regulator).toHaveURL(new RegExp(`${filingPath}$`));
  const filed = regulator.getByRole('region', { name: '重要数据目录', exact: true });
  await expect(filed.getByRole('row').filter({ hasText: sourceName })).toContainText('身份证号');
  await fireEvent(regulator, { button: '开始审核', status: '审核中' });
  const comment = uniqueName('请写明会员实名信息的存储期限');
  await fireEvent(regulator, { button: '退回修改', comment, status: '已退回' });

  // The officer reads the comment, corrects the activity and resubmits.
  await page.reload();
  await expect(filingHeading(page)).toContainText('已退回');
  const history = page.getByRole('region', { name: '流转记录与审核意见' });
  await expect(history.getByRole('row').filter({ hasText: comment })).toContainText('regulator');
  await removeActivity(page, activity);
  await addActivity(page, { ...activityFields, 存储期限: '会员注销后3年' });
  await fireEvent(page, { button: '重新提交', status: '已重新提交' });

  await regulator.reload();
  await fireEvent(regulator, { button: '开始审核', status: '审核中' });
  await fireEvent(regulator, { button: '审核通过', comment: '同意备案', status: '已通过' });
  const versions = regulator.getByRole('region', { name: '版本', exact: true }).getByRole('row');
  const versionCount = (await versions.count()) - 1; // the header row
  expect(versionCount).toBeGreaterThanOrEqual(2);
  await expect(regulator.getByText(`已通过版本 ${versionCount}`)).toBeVisible();

  // The resubmission changed the activity's retention and nothing else.
  await versions.last().getByRole('link', { name: '变更内容' }).click();
  await expect(regulator.getByRole('heading', { level: 1 })).toHaveText(
    `变更内容: 版本 ${versionCount - 1} → ${versionCount}`,
  );
  const changes = regulator.getByRole('row').filter({ hasText: activity });
  await expect(changes).toContainText('修改');
  await expect(changes).toContainText('存储期限: → 会员注销后3年');
  await expect(regulator.getByRole('row')).toHaveCount(2);

  // The first submission added the catalog entry and the activity.
  await regulator.goBack();
  await versions.nth(versionCount - 1).getByRole('link', { name: '变更内容' }).click();
  await expect(regulator.getByRole('row').filter({ hasText: catalogKey })).toHaveText(
    /^重要数据目录.*新增/,
  );
  await expect(regulator.getByRole('row').filter({ hasText: activity })).toContainText('新增');
});

test('a campaign: sent, answered with evidence, concluded, and on the heatmap', async ({
  page,
  pageAs,
}) => {
  const title = uniqueName('2026年度数据安全自查');
  const deadline = dateInDays(30);
  const regulator = await pageAs('regulator');
  await sendCampaign(regulator, { title, library: SELF_CHECK, deadline });
  const campaignUrl = regulator.url();
  const heatmapRow = (name) => regulator.getByRole('row').filter({ hasText: name });
  await expect(heatmapRow(OPERATOR_A)).toContainText('待填报 0/18');
  await expect(heatmapRow(OPERATOR_B)).toContainText('待填报 0/18');

  await signIn(page, 'officer_a');
  await openAssessment(page, title);
  await expect(page.getByText(`${deadline} 23:59`)).toBeVisible();
  const evidenceText = '关于成立数据安全工作领导小组的通知（测试）';
  const evidenceName = await uploadFirstEvidence(page, evidenceText);

  // Every requirement answered with a comment; the first only partly met.
  const partly = '领导小组已成立，牵头领导待任命';
  await expect(page.getByRole('combobox', { name: '结果', exact: true })).toHaveCount(18);
  await answerRequirements(
    page,
    (i) =>
      i === 0
        ? { answer: '部分符合', comment: partly }
        : { answer: '符合', comment: `已落实，见制度汇编第${i + 1}条` },
    { submit: true },
  );
  await expect(page.getByText('18/18')).toBeVisible();
  await expect(page.getByText('已提交', { exact: true })).toBeVisible();
  // The compliance rate: (17 + ½) / 18 requirements.
  await expect(page.getByText('97.2%', { exact: true })).toBeVisible();
  const first = page.getByRole('row').filter({ hasText: FIRST_REQUIREMENT });
  await expect(first).toContainText('部分符合');
  await expect(first).toContainText(partly);

  const downloading = page.waitForEvent('download');
  await first.getByRole('link', { name: evidenceName }).click();
  const download = await downloading;
  expect(await readFile(await download.path(), 'utf8')).toBe(evidenceText);

  // The regulator opens the operator's answers from the report and concludes.
  await regulator.reload();
  await expect(heatmapRow(OPERATOR_A)).toContainText('已提交 18/18');
  await heatmapRow(OPERATOR_A).getByRole('link', { name: OPERATOR_A }).click();
  const answered = regulator.getByRole('row').filter({ hasText: FIRST_REQUIREMENT });
  await expect(answered).toContainText(evidenceName);
  await expect(answered).toContainText(partly);
  const review = regulator.getByRole('region', { name: '审核评估' });
  const conclusion = uniqueName('自查材料齐全，牵头领导任命后报备');
  await review.getByLabel('审核结论').fill(conclusion);
  await review.getByLabel('通过', { exact: true }).check();
  await review.getByRole('button', { name: '记录结论', exact: true }).click();
  await expect(regulator.getByRole('region', { name: '审核结论' })).toContainText(conclusion);
  await expect(regulator.getByText('已审核', { exact: true })).toBeVisible();

  // The heatmap: operator A's row with its rate per section (组织机构建设 2½ of 3).
  await regulator.goto(campaignUrl);
  await expect(heatmapRow(OPERATOR_A).getByRole('cell')).toHaveText([
    OPERATOR_A,
    '已审核 18/18',
    '97%',
    '83%',
    '100%',
    '100%',
    '100%',
  ]);
  await expect(heatmapRow(OPERATOR_B)).toContainText('待填报 0/18');
});

test("another operator gets 404 for operator A's filing, assessment and evidence", async ({
  page,
  pageAs,
}) => {
  await signIn(page, 'officer_a');
  await openOwnFiling(page);
  const filingUrl = page.url();
  const headingBefore = await filingHeading(page).textContent();

  // A campaign to operator A alone, and A's evidence in it.
  const title = uniqueName('重要数据专项核查');
  const regulator = await pageAs('regulator');
  const deadline = dateInDays(7);
  await sendCampaign(regulator, { title, library: SELF_CHECK, deadline, operators: [OPERATOR_A] });
  const campaignUrl = regulator.url();
  await expect(regulator.getByRole('row').filter({ hasText: OPERATOR_B })).toHaveCount(0);
  await openAssessment(page, title);
  const assessmentUrl = page.url();
  const evidenceText = '仅供本单位与监管部门查阅';
  const evidenceName = await uploadFirstEvidence(page, evidenceText);
  const evidenceUrl = new URL(
    await page.getByRole('link', { name: evidenceName }).getAttribute('href'),
    page.url(),
  ).href;

  const intruder = await pageAs('officer_b');
  for (const url of [filingUrl, assessmentUrl, campaignUrl]) {
    const response = await intruder.goto(url);
    expect(response.status(), url).toBe(404);
    const errorPage = intruder.getByRole('heading', { name: '出错了 / Something went wrong' });
    await expect(errorPage).toBeVisible();
    await expect(intruder.getByText(OPERATOR_A)).toHaveCount(0);
  }
  // The evidence link is a download, not a page.
  const evidence = await intruder.request.get(evidenceUrl);
  expect(evidence.status()).toBe(404);
  expect(await evidence.text()).not.toContain(evidenceText);
  await intruder.goto('/assessments');
  await expect(intruder.getByText(title)).toHaveCount(0);

  // Nor may it change them: its posts are refused the same way.
  const csrf = await intruder.locator('input[name="csrf"]').first().inputValue();
  const writes = [
    [`${filingUrl}/transition`, { csrf, event: 'submit', comment: 'cross-tenant' }],
    [
      `${assessmentUrl}/answers`,
      { csrf, 'answer:urn:shuan:risk:req_node:tianjin-self-check:organisation.1': 'compliant' },
    ],
  ];
  for (const [url, form] of writes) {
    const response = await intruder.request.post(url, { form, maxRedirects: 0 });
    expect(response.status(), url).toBe(404);
  }

  // Operator A's records are as they were.
  await page.goto(filingUrl);
  await expect(filingHeading(page)).toHaveText(headingBefore);
  await page.goto(assessmentUrl);
  await expect(page.getByText('0/18')).toBeVisible();
});
