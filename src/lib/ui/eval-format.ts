import type { ConfidenceInterval } from '../eval/bootstrap.ts';
import type { Comparison } from '../eval/evidence.ts';

const NAMES: Record<string, string> = {
  ndcg: 'nDCG',
  mrr: 'MRR',
  map: 'MAP',
  recall: 'Recall',
  precision: 'Precision',
  accuracy: 'Accuracy',
};

/** `ndcg@10` → `nDCG@10`, as the literature writes it; trec_eval's names stay as it prints them. */
export function metricLabel(key: string): string {
  if (!key.includes('@')) return key;
  const [name, k] = key.split('@');
  return `${NAMES[name] ?? name}@${k}`;
}

export const fixed4 = (x: number): string => x.toFixed(4);

/** `+0.0123`, `−0.0456`: a difference always carries its sign (a true minus sign). */
export function signed(x: number): string {
  const text = Math.abs(x).toFixed(4);
  if (text === '0.0000') return text;
  return `${x > 0 ? '+' : '\u2212'}${text}`;
}

/** `0.5123 [0.4010, 0.6120]`. */
export function interval(ci: ConfidenceInterval, format: (x: number) => string = fixed4): string {
  return `${format(ci.mean)} [${format(ci.lower)}, ${format(ci.upper)}]`;
}

/** A p-value to three decimals; below 0.001 (the floor of 1,000 resamples) as `< 0.001`. */
export function pValueText(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** 1: significantly better, −1: significantly worse (Holm-adjusted p below 0.05), 0: neither. */
export function verdict(test: Pick<Comparison, 'significant' | 'difference'>): -1 | 0 | 1 {
  if (!test.significant) return 0;
  return test.difference.mean > 0 ? 1 : test.difference.mean < 0 ? -1 : 0;
}

/** Cohen's d_z to two decimals; a dash when the differences do not vary. */
export function effectText(effectSize: number | null): string {
  if (effectSize === null) return '—';
  return effectSize < 0 ? `\u2212${Math.abs(effectSize).toFixed(2)}` : effectSize.toFixed(2);
}
