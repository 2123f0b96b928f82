import type { RuleId, RuleReport } from './report.ts';

export const RULE_TITLES: Record<RuleId, string> = {
  text: 'Document text',
  dwell: 'Dwell-time filter',
  reformulation: 'Reformulation = miss',
  'last-click': 'Last click in session',
  propensity: 'Position-bias correction',
  negatives: 'Skipped-above negatives',
};

const n = (x: number) => x.toLocaleString('en-US');

/** 47 of 172 → "27.3%"; nothing of nothing → "0%". */
export function share(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** What a rule did, in one line: "keeps 125 clicks · drops 47 (27.3%)". */
export function describeRule(rule: RuleReport): string {
  if (!rule.available) return `not available: ${rule.note}`;
  const { kept, dropped, changed, input, unit } = rule;
  const drops = `keeps ${n(kept)} ${unit} · drops ${n(dropped)} (${share(dropped, input)})`;
  switch (rule.id) {
    case 'text':
      return `${drops} whose document has no text`;
    case 'dwell':
      return changed ? `${drops} · ${n(changed)} without a dwell time kept` : drops;
    case 'reformulation':
      return `${drops} as misses${rule.note ? ` (${rule.note})` : ''}`;
    case 'last-click':
      return `boosts ${n(changed)} of ${n(input)} clicks`;
    case 'propensity':
      return `weights ${n(input)} clicks · ${n(changed)} clipped at the maximum`;
    case 'negatives':
      return `${drops} with too few skipped-above documents`;
  }
}
