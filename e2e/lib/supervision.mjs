// The supervision steps (issue 8) that the browser tests and the screenshots both take, as a
// user does them: the filing's workflow, its activities and catalog, campaigns, answers and
// evidence. Selectors are roles, labels and visible text in Chinese, the default language.

import { expect } from '@playwright/test';

/** Clicks a button that posts its form, and waits for the page the server answers with (the
 * same URL, so no URL change to wait for). */
async function clickAndLoad(page, button) {
  const loaded = page.waitForEvent('load');
  await button.click();
  await loaded;
}

/** Opens the signed-in operator's filing, starting it if the operator has none yet (an
 * operator has one filing, amended over time). */
export async function openOwnFiling(page) {
  await page.goto('/filings');
  const existing = page.getByRole('link', { name: '数据安全信息备案', exact: true });
  if ((await existing.count()) > 0) {
    await existing.click();
  } else {
    const form = page.getByRole('region', { name: '新建备案或报告' });
    await form.getByLabel('类型').selectOption({ label: '数据安全信息备案' });
    await form.getByRole('button', { name: '新建', exact: true }).click();
  }
  await expect(page).toHaveURL(/\/filings\/\d+$/);
}

/** The filing's heading: its title, kind and status. */
export function filingHeading(page) {
  return page.getByRole('heading', { level: 1 });
}

/** Clicks a workflow button (with a comment when given) and waits for the new status. */
export async function fireEvent(page, { button, comment = '', status }) {
  const workflow = page.getByRole('region', { name: '审核流程' });
  await workflow.getByLabel('意见').fill(comment);
  await workflow.getByRole('button', { name: button, exact: true }).click();
  await expect(filingHeading(page)).toContainText(status);
}

/** Ticks the catalog candidates named by their keys (`system / source / table.column`). */
export async function pickCatalog(page, keys) {
  const picker = page.getByRole('region', { name: '从数据资产清单选取目录' });
  for (const key of keys) {
    await picker.getByRole('checkbox', { name: key, exact: true }).check();
  }
  await clickAndLoad(page, picker.getByRole('button', { name: '保存', exact: true }));
}

/** Fills the add-activity form with `fields` (label → value, an option's label for a
 * select; 名称 required) and adds it. */
export async function addActivity(page, fields) {
  const section = page.getByRole('region', { name: '数据处理活动', exact: true });
  for (const [label, value] of Object.entries(fields)) {
    // Not exact: a select's accessible name ends with its selected option.
    const control = section.getByLabel(label);
    if ((await control.evaluate((element) => element.tagName)) === 'SELECT') {
      await control.selectOption({ label: value });
    } else {
      await control.fill(value);
    }
  }
  await section.getByRole('button', { name: '添加', exact: true }).click();
  await expect(section.getByRole('row').filter({ hasText: fields['名称'] })).toHaveCount(1);
}

/** Removes the activity named `name` from the draft. */
export async function removeActivity(page, name) {
  const section = page.getByRole('region', { name: '数据处理活动', exact: true });
  const row = section.getByRole('row').filter({ hasText: name });
  await row.getByRole('button', { name: '删除', exact: true }).click();
  await expect(row).toHaveCount(0);
}

/** Sends a campaign from the regulator's assessments page: `library` is the questionnaire's
 * option as listed, `deadline` a YYYY-MM-DD date; with `operators` (names), to those only.
 * Leaves `page` on the campaign's report. */
export async function sendCampaign(page, { title, library, deadline, operators }) {
  await page.goto('/assessments');
  const form = page.getByRole('region', { name: '下发评估任务' });
  await form.getByLabel('任务名称').fill(title);
  await form.getByLabel('问卷').selectOption({ label: library });
  await form.getByLabel('截止时间').fill(deadline);
  if (operators) {
    await form.getByLabel('仅下列选中的').check();
    for (const name of operators) await form.getByLabel(name).check();
  }
  await form.getByRole('button', { name: '下发', exact: true }).click();
  await expect(page).toHaveURL(/\/assessments\/campaigns\/\d+$/);
  await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
}

/** Opens the signed-in operator's assessment of the campaign `title`. */
export async function openAssessment(page, title) {
  await page.goto('/assessments');
  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(page).toHaveURL(/\/assessments\/\d+$/);
}

/** Sets each requirement's answer and comment in the open questionnaire: `answerOf(i)` gives
 * the i-th requirement's `{ answer, comment }` (`answer` an option's label), or nothing to
 * leave it. Saves, and submits when `submit` is set. */
export async function answerRequirements(page, answerOf, { submit }) {
  const answers = page.getByRole('combobox', { name: '结果', exact: true });
  const comments = page.getByRole('textbox', { name: '说明', exact: true });
  const count = await answers.count();
  for (let i = 0; i < count; i++) {
    const given = answerOf(i);
    if (!given) continue;
    await answers.nth(i).selectOption({ label: given.answer });
    await comments.nth(i).fill(given.comment);
  }
  const button = submit ? '保存并提交' : '保存';
  await clickAndLoad(page, page.getByRole('button', { name: button, exact: true }));
}

/** Uploads a text file as evidence of the requirement labelled `requirement`; waits for its
 * link in the requirement's row. */
export async function uploadEvidence(page, { requirement, fileName, content }) {
  const form = page.getByRole('region', { name: '上传佐证材料' });
  await form.getByLabel('评估项').selectOption({ label: requirement });
  await form.getByLabel('文件').setInputFiles({
    name: fileName,
    mimeType: 'text/plain',
    buffer: Buffer.from(content),
  });
  await form.getByRole('button', { name: '上传', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: requirement });
  await expect(row.getByRole('link', { name: fileName })).toBeVisible();
}
