// Screenshots for the docs, from a `shuan demo` of their own (started like the tests' one):
// the platform's main pages in Chinese and in English (docs/img/platform-<page>.png and
// platform-<page>-en.png), and the supervision pages in Chinese (supervision-registry,
// supervision-filing, supervision-diff, assessment-campaign, assessment-questionnaire), with
// the records they show made through the pages first. Run: `cd e2e && node screenshots.mjs`.

import path from 'node:path';
import { chromium } from '@playwright/test';
import { REPO_ROOT, signIn, startPlatform } from './lib/platform.mjs';
import {
  addActivity,
  answerRequirements,
  fireEvent,
  openAssessment,
  openOwnFiling,
  pickCatalog,
  removeActivity,
  sendCampaign,
} from './lib/supervision.mjs';

const OUT_DIR = path.join(REPO_ROOT, 'docs/img');
const VIEWPORT = { width: 1366, height: 900 };
// The column shown on the review page: a sample table's source IP addresses.
const SHOWN_TABLE = 't001';
const SHOWN_COLUMN = 'src_ip';

// What the filing shows: sample-table columns reviewed as important or core data, and two
// processing activities.
const SAMPLE_LOCATION = '客户管理系统 / 样例数据表';
const CATALOG = [
  ['t001', 'col_3', '重要数据'],
  ['t001', 'col_6', '重要数据'],
  ['t005', 'passport_no', '重要数据'],
  ['t006', '身份证号', '核心数据'],
];
const MEMBERS_ACTIVITY = {
  名称: '会员注册',
  处理目的: '开户及实名核验',
  处理方式: '收集、存储',
  处理范围: '注册会员',
  数据种类: '身份信息、联系方式',
  数据规模: '120万条',
  存储期限: '5年',
  安全保护措施: '字段加密、访问审批',
};
const SUPPORT_ACTIVITY = {
  名称: '跨境客服',
  处理目的: '境外客服中心处理售后',
  处理方式: '传输',
  处理范围: '境外订单',
  数据种类: '联系方式',
  数据规模: '2万条',
  存储期限: '1年',
  向境外提供: '是',
  出境依据: '个人信息出境标准合同备案',
  安全保护措施: '传输加密',
};
const DSMM = 'GB/T 37988-2019 数据安全能力成熟度模型（DSMM） (v1, 30)';
const SELF_CHECK = '数据安全自查（组织机构、责任制、制度、技术措施） (v1, 18)';
const LEVELS = ['1级 非正式执行', '2级 计划跟踪', '3级 充分定义', '4级 量化控制'];
const OUTCOMES = ['符合', '部分符合', '不符合'];

/** Reviews the sample table's column with a reason (at `levelLabel` when given, else at its
 * detected level); returns the column page's path. */
async function reviewColumn(page, { table, column, levelLabel, reason }) {
  await page.goto(`/inventory?q=${table}`);
  await page.getByRole('link', { name: table, exact: true }).click();
  await page.getByRole('link', { name: column, exact: true }).click();
  const form = page.getByRole('region', { name: '确认或修正标签' });
  if (levelLabel) await form.getByLabel('级别').selectOption({ label: levelLabel });
  await form.getByLabel('理由').fill(reason);
  await form.getByRole('button', { name: '复核', exact: true }).click();
  await page.getByText('已复核', { exact: true }).waitFor();
  return new URL(page.url()).pathname;
}

/** A page signed in as `username`, in a browser context of its own. */
async function signedInPage(browser, contextOptions, username) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await signIn(page, username);
  return page;
}

async function capture(context, lang, pages) {
  await context.addCookies([{ name: 'shuan_lang', value: lang, url: pages.baseURL }]);
  const page = await context.newPage();
  for (const [name, url, fullPage = false] of pages.list) {
    await page.goto(url);
    await page.waitForLoadState('networkidle');
    const file = path.join(OUT_DIR, `${name}${lang === 'en' ? '-en' : ''}.png`);
    await page.screenshot({ path: file, fullPage });
    console.log(file);
  }
  await page.close();
}

/** Makes what the supervision screenshots show, through the pages: operator A's filing,
 * returned once and under review again; a DSMM campaign answered by both operators and
 * concluded for A; a self-check A has half answered. Returns the pages' paths. */
async function prepareSupervision({ officer, officerB, regulator }) {
  for (const [table, column, levelLabel] of CATALOG) {
    await reviewColumn(officer, { table, column, levelLabel, reason: '达到重要数据识别规模' });
  }
  await openOwnFiling(officer);
  const filingPath = new URL(officer.url()).pathname;
  await pickCatalog(
    officer,
    CATALOG.map(([table, column]) => `${SAMPLE_LOCATION} / ${table}.${column}`),
  );
  await addActivity(officer, MEMBERS_ACTIVITY);
  await addActivity(officer, SUPPORT_ACTIVITY);
  await fireEvent(officer, { button: '提交', status: '已提交' });

  await regulator.goto(filingPath);
  await fireEvent(regulator, { button: '开始审核', status: '审核中' });
  await fireEvent(regulator, {
    button: '退回修改',
    comment: '请补充会员注册活动的实名核验依据。',
    status: '已退回',
  });
  await officer.reload();
  await removeActivity(officer, MEMBERS_ACTIVITY['名称']);
  await addActivity(officer, { ...MEMBERS_ACTIVITY, 处理目的: '开户及实名核验（网络安全法第二十四条）' });
  await fireEvent(officer, { button: '重新提交', comment: '已补充', status: '已重新提交' });
  await regulator.reload();
  await fireEvent(regulator, { button: '开始审核', status: '审核中' });

  const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const dsmmTitle = '2026 年度数据安全能力成熟度自评估';
  await sendCampaign(regulator, { title: dsmmTitle, library: DSMM, deadline });
  const campaignPath = new URL(regulator.url()).pathname;
  const level = (i, shift) => ({ answer: LEVELS[(i * 7 + shift) % 4], comment: '见附件' });
  await openAssessment(officer, dsmmTitle);
  await answerRequirements(officer, (i) => level(i, 1), { submit: true });
  await openAssessment(officerB, dsmmTitle);
  await answerRequirements(officerB, (i) => (i < 20 ? level(i, 2) : undefined), { submit: false });
  await regulator.goto(campaignPath);
  await regulator.getByRole('link', { name: '津港数据科技有限公司' }).click();
  const review = regulator.getByRole('region', { name: '审核评估' });
  await review.getByLabel('审核结论').fill('自评估材料齐全，PA04、PA08 需在年内提升至 3 级。');
  await review.getByRole('button', { name: '记录结论', exact: true }).click();
  await regulator.getByRole('region', { name: '审核结论' }).waitFor();

  const selfCheckTitle = '数据安全自查（天津专项行动）';
  await sendCampaign(regulator, { title: selfCheckTitle, library: SELF_CHECK, deadline });
  await openAssessment(officer, selfCheckTitle);
  const outcome = (i) => (i < 11 ? { answer: OUTCOMES[(i * 5) % 3], comment: '见附件' } : undefined);
  await answerRequirements(officer, outcome, { submit: false });
  return {
    filingPath,
    diffPath: `${filingPath}/diff?from=1&to=2`,
    campaignPath,
    selfCheckPath: new URL(officer.url()).pathname,
  };
}

const platform = await startPlatform();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
});
try {
  const contextOptions = { baseURL: platform.url, viewport: VIEWPORT, locale: 'zh-CN' };
  for (const lang of ['zh', 'en']) {
    const anonymous = await browser.newContext(contextOptions);
    await capture(anonymous, lang, { baseURL: platform.url, list: [['platform-login', '/login']] });
    await anonymous.close();
  }

  const officer = await browser.newContext(contextOptions);
  const reviewPage = await officer.newPage();
  await signIn(reviewPage, 'officer_a');
  const columnPath = await reviewColumn(reviewPage, {
    table: SHOWN_TABLE,
    column: SHOWN_COLUMN,
    reason: '源地址可关联到个人上网行为，确认为个人信息',
  });
  const backToTable = reviewPage.getByRole('link', { name: `← ${SHOWN_TABLE}` });
  const tablePath = await backToTable.getAttribute('href');
  const signedInPages = [
    ['platform-dashboard', '/'],
    ['platform-sources', '/sources'],
    ['platform-jobs', '/jobs'],
    ['platform-inventory', '/inventory'],
    ['platform-table', tablePath],
    ['platform-column', `${columnPath}?samples=1`],
    ['platform-audit', '/audit'],
  ];
  for (const lang of ['zh', 'en']) {
    await capture(officer, lang, { baseURL: platform.url, list: signedInPages });
  }

  // The supervision pages in Chinese only; each party in a context of its own, as the
  // officer's context above was left in English.
  const [regulator, officerA, officerB] = await Promise.all(
    ['regulator', 'officer_a', 'officer_b'].map((user) =>
      signedInPage(browser, contextOptions, user),
    ),
  );
  const paths = await prepareSupervision({ officer: officerA, officerB, regulator });
  await capture(regulator.context(), 'zh', {
    baseURL: platform.url,
    list: [
      ['supervision-registry', '/registry'],
      ['supervision-filing', paths.filingPath, true],
      ['supervision-diff', paths.diffPath],
      ['assessment-campaign', paths.campaignPath],
    ],
  });
  await capture(officerA.context(), 'zh', {
    baseURL: platform.url,
    list: [['assessment-questionnaire', paths.selfCheckPath]],
  });
} finally {
  await browser.close();
  await platform.stop();
}
