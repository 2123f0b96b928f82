import { expect, test } from '@playwright/test';
import { loadModelFromMirror, openStep } from '../support/studio-flows.ts';

const REPO = 'sentence-transformers-testing/tiny-bert';

test('the Train page plans memory beside the settings, warns when a run will not fit and fixes it in one click', async ({
  page,
}) => {
  await loadModelFromMirror(page, REPO);
  await openStep(page, 'Train');
  await page.getByRole('combobox', { name: 'Compute on' }).selectOption('wasm');
  const plan = page.getByTestId('memory-plan');
  await expect(plan).toContainText('of the 3.5 GB the wasm backend can hold');
  await expect(plan.getByRole('alert')).toHaveCount(0);

  // 50,000 pairs of 24-token texts: 100,000 texts at once, far over 4 GB even recomputing layers.
  const batch = page.getByRole('spinbutton', { name: 'Batch size' });
  await batch.fill('50000');
  await batch.blur();
  await expect(plan.getByRole('alert')).toContainText('This run will not fit: it needs');
  const fix = plan.getByRole('button', { name: /^Use GradCache mini-batch \d+/ });
  const label = (await fix.textContent()) ?? '';
  const mini = label.match(/mini-batch (\d+)/)![1];
  await fix.click();
  await expect(plan.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('spinbutton', { name: 'GradCache mini-batch' })).toHaveValue(mini);

  // LoRA and Max tokens sit with the other settings and change the plan.
  const before = await plan.locator('strong').textContent();
  for (const [name, value] of [
    ['LoRA rank', '8'],
    ['Max tokens', '16'],
  ]) {
    const box = page.getByRole('spinbutton', { name });
    await box.fill(value);
    await box.blur();
  }
  await expect(plan.locator('strong')).not.toHaveText(before ?? '');
  await expect(plan).toContainText('× 16 tokens at once');
});
