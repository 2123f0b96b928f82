import { ModelFormatError } from './errors.ts';

export type PoolingMode = 'mean' | 'cls' | 'max';

/** Reads 1_Pooling/config.json; exactly one of the modes Attune implements must be on. */
export function parsePoolingConfig(raw: unknown, file = '1_Pooling/config.json'): PoolingMode {
  const c = (raw ?? {}) as Record<string, unknown>;
  const on = (key: string) => c[key] === true;
  const modes: PoolingMode[] = [];
  if (on('pooling_mode_mean_tokens')) modes.push('mean');
  if (on('pooling_mode_cls_token')) modes.push('cls');
  if (on('pooling_mode_max_tokens')) modes.push('max');
  const other = [
    'pooling_mode_mean_sqrt_len_tokens',
    'pooling_mode_weightedmean_tokens',
    'pooling_mode_lasttoken',
  ].filter(on);
  if (other.length)
    throw new ModelFormatError(
      file,
      `${other.join(', ')} is not supported; use mean, CLS or max pooling`,
    );
  if (modes.length !== 1)
    throw new ModelFormatError(
      file,
      modes.length
        ? `turns on ${modes.join(' and ')}; Attune supports exactly one pooling mode`
        : 'turns on no pooling mode',
    );
  return modes[0];
}

/** 1_Pooling/config.json for a mode, as sentence-transformers writes it. */
export function poolingConfigJson(mode: PoolingMode, dimension: number): Record<string, unknown> {
  return {
    word_embedding_dimension: dimension,
    pooling_mode_cls_token: mode === 'cls',
    pooling_mode_mean_tokens: mode === 'mean',
    pooling_mode_max_tokens: mode === 'max',
    pooling_mode_mean_sqrt_len_tokens: false,
  };
}
