import { BERT_LAYER_LINEARS, matchesLoraTarget } from './config.ts';

/** Module paths that get a LoRA adapter, in layer order: "encoder.layer.0.attention.self.query", … */
export function loraModules(layers: number, targets: readonly string[]): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++)
    for (const m of BERT_LAYER_LINEARS) {
      const path = `encoder.layer.${l}.${m}`;
      if (targets.some((t) => matchesLoraTarget(path, t))) out.push(path);
    }
  return out;
}

/** [out, in] of a BERT Linear layer, hidden size H and intermediate size I. */
export function linearShape(H: number, I: number, module: string): [number, number] {
  if (module.endsWith('intermediate.dense')) return [I, H];
  if (module.endsWith('.output.dense') && !module.endsWith('attention.output.dense')) return [H, I];
  return [H, H];
}

/** Parameters LoRA trains: r · (in + out) per adapted layer. */
export function loraParameterCount(
  shape: { layers: number; hiddenSize: number; intermediateSize: number },
  rank: number,
  targets: readonly string[],
): number {
  return loraModules(shape.layers, targets).reduce((sum, m) => {
    const [o, i] = linearShape(shape.hiddenSize, shape.intermediateSize, m);
    return sum + rank * (i + o);
  }, 0);
}
