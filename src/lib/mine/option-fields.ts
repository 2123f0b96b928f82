import type { MiningOptions } from './options.ts';

/** How the Mine panel shows each numeric option: a label, a one-line why, the input's shape. */
export interface MiningField {
  key: Exclude<keyof MiningOptions, 'sampling'>;
  label: string;
  help: string;
  /** Allowed to be empty (null): the filter is off, or the value is derived. */
  nullable: boolean;
  /** What an empty input means, shown as its placeholder. */
  empty?: 'off' | 'auto';
  min?: number;
  step?: number;
}

export const MINING_FIELDS: readonly MiningField[] = [
  {
    key: 'numNegatives',
    label: 'Negatives per query',
    help: 'columns negative_1 … negative_n',
    nullable: false,
    min: 1,
    step: 1,
  },
  {
    key: 'relativeMargin',
    label: 'Relative margin',
    help: 'skip candidates above positive − |positive|·m',
    nullable: true,
    empty: 'off',
  },
  {
    key: 'absoluteMargin',
    label: 'Absolute margin',
    help: 'skip candidates with score + m above the positive',
    nullable: true,
    empty: 'off',
  },
  {
    key: 'maxScore',
    label: 'Max score',
    help: 'skip candidates scoring above this',
    nullable: true,
    empty: 'off',
  },
  {
    key: 'minScore',
    label: 'Min score',
    help: 'skip candidates scoring below this',
    nullable: true,
    empty: 'off',
  },
  {
    key: 'rangeMin',
    label: 'Range min',
    help: 'skip the first n candidates left after the filters',
    nullable: false,
    min: 0,
    step: 1,
  },
  {
    key: 'rangeMax',
    label: 'Range max',
    help: 'look no further than the n-th candidate; auto: as sentence-transformers derives it',
    nullable: true,
    empty: 'auto',
    min: 1,
    step: 1,
  },
  {
    key: 'seed',
    label: 'Sampling seed',
    help: 'seed of random sampling',
    nullable: false,
    step: 1,
  },
];
