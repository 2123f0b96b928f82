import type { BertConfig } from '../../model/config.ts';
import type { NamedTensor } from '../../model/safetensors.ts';
import { GraphBuilder } from './graph.ts';
import { DataType, encodeModel, type ModelProto } from './proto.ts';
import { quantizeColumns, quantizeRows } from './quantize.ts';

/**
 * HF `BertModel` (the same forward pass as model/bert.ts, in evaluation mode) as an ONNX graph in
 * the shape transformers.js and sentence-transformers' ONNX backend call it: int64 inputs
 * `input_ids`, `attention_mask`, `token_type_ids` `[batch, sequence]`, float output
 * `last_hidden_state` `[batch, sequence, hidden]`; pooling and Normalize stay outside, as in the
 * Hub's ONNX exports. Opset 17 for `LayerNormalization`; GELU is written out with `Erf`.
 */

export type OnnxPrecision = 'fp32' | 'q8';

/** Opset 17 (LayerNormalization) needs IR version 8. */
const OPSET = 17;
const IR_VERSION = 8;
/** HF's additive mask value for float32, `torch.finfo(torch.float32).min`. */
const FLOAT32_LOWEST = -3.4028234663852886e38;

/** `w` `[rows, cols]` transposed to `[cols, rows]`: PyTorch Linear weights are `[out, in]`, MatMul wants `[in, out]`. */
function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
  return t;
}

class BertGraph {
  readonly g = new GraphBuilder();

  constructor(
    private readonly weights: Map<string, NamedTensor>,
    private readonly precision: OnnxPrecision,
  ) {}

  private get(name: string): NamedTensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`ONNX export: no tensor "${name}" in the weights`);
    return t;
  }

  /** A stored tensor as a float initializer under its own name. */
  param(name: string): string {
    const t = this.get(name);
    return this.g.float(name, t.data, t.shape);
  }

  /**
   * `x · Wᵀ + b` for x `[…, in]`. fp32: MatMul with W `[in, out]`. q8: x is quantized per call
   * (`DynamicQuantizeLinear` → uint8, scale, zero point), `MatMulInteger` multiplies it with the
   * uint8 weights, and the int32 sums are scaled back by `x_scale · w_scale[col]`.
   */
  linear(x: string, name: string): string {
    const w = this.get(`${name}.weight`);
    const [out, inp] = w.shape;
    const wt = transpose(w.data, out, inp);
    let y: string;
    if (this.precision === 'fp32') {
      y = this.g.op('MatMul', [x, this.g.float(`${name}.weight`, wt, [inp, out])]);
    } else {
      const qw = quantizeColumns(wt, inp, out);
      const wq = this.g.tensor(`${name}.weight_quantized`, DataType.UINT8, [inp, out], qw.q);
      const wzp = this.g.tensor(`${name}.weight_zero_point`, DataType.UINT8, [out], qw.zeroPoint);
      const ws = this.g.float(`${name}.weight_scale`, qw.scale, [out]);
      const [xq, xs, xzp] = this.g.opN('DynamicQuantizeLinear', [x], 3);
      const sums = this.g.op('MatMulInteger', [xq, wq, xzp, wzp]);
      const scale = this.g.op('Mul', [xs, ws]);
      y = this.g.op('Mul', [
        this.g.op('Cast', [sums], { to: { kind: 'int', value: DataType.FLOAT } }),
        scale,
      ]);
    }
    return this.g.op('Add', [y, this.param(`${name}.bias`)]);
  }

  layerNorm(x: string, name: string, eps: number): string {
    return this.g.op(
      'LayerNormalization',
      [x, this.param(`${name}.weight`), this.param(`${name}.bias`)],
      {
        axis: { kind: 'int', value: -1 },
        epsilon: { kind: 'float', value: eps },
      },
    );
  }

  /** Word-embedding rows for `ids`; q8 stores the table as int8 rows and scales after the lookup. */
  wordEmbeddings(ids: string): string {
    const name = 'embeddings.word_embeddings.weight';
    if (this.precision === 'fp32') return this.g.op('Gather', [this.param(name), ids]);
    const t = this.get(name);
    const [V, H] = t.shape;
    const qt = quantizeRows(t.data, V, H);
    const table = this.g.tensor(`${name}_quantized`, DataType.INT8, [V, H], qt.q);
    const scales = this.g.float(`${name}_scale`, qt.scale, [V]);
    const rows = this.g.op('Cast', [this.g.op('Gather', [table, ids])], {
      to: { kind: 'int', value: DataType.FLOAT },
    });
    const rowScale = this.g.op('Unsqueeze', [
      this.g.op('Gather', [scales, ids]),
      this.g.int64s('axes_last', [-1]),
    ]);
    return this.g.op('Mul', [rows, rowScale]);
  }
}

/** The encoder graph of `config` with `weights` (BertModel names, no `bert.` prefix). */
export function bertOnnxModel(
  config: BertConfig,
  weights: Map<string, NamedTensor>,
  precision: OnnxPrecision,
): ModelProto {
  const b = new BertGraph(weights, precision);
  const g = b.g;
  const H = config.hidden_size;
  const heads = config.num_attention_heads;
  const headDim = H / heads;
  const eps = config.layer_norm_eps;

  // 1. Embeddings: word + token type + position, then LayerNorm. [batch, seq, H]
  const seqLen = g.op('Slice', [
    g.op('Shape', ['input_ids']),
    g.int64s('dim1_start', [1]),
    g.int64s('dim1_end', [2]),
  ]);
  const positions = g.op('Slice', [
    b.param('embeddings.position_embeddings.weight'),
    g.int64s('zero', [0]),
    seqLen,
    g.int64s('axis0', [0]),
  ]); // [seq, H]
  const types = g.op('Gather', [
    b.param('embeddings.token_type_embeddings.weight'),
    'token_type_ids',
  ]);
  const summed = g.op('Add', [g.op('Add', [b.wordEmbeddings('input_ids'), types]), positions]);
  let x = b.layerNorm(summed, 'embeddings.LayerNorm', eps);

  // 2. Additive mask: 0 where attended, float32's lowest where padded. [batch, 1, 1, seq]
  const maskFloat = g.op('Cast', ['attention_mask'], {
    to: { kind: 'int', value: DataType.FLOAT },
  });
  const inverted = g.op('Sub', [g.scalar('one', 1), maskFloat]);
  const maskAdd = g.op('Unsqueeze', [
    g.op('Mul', [inverted, g.scalar('mask_lowest', FLOAT32_LOWEST)]),
    g.int64s('axes_heads_queries', [1, 2]),
  ]);
  const splitHeads = g.int64s('split_heads_shape', [0, 0, heads, headDim]);
  const mergeHeads = g.int64s('merge_heads_shape', [0, 0, H]);
  const invSqrtD = g.scalar('inv_sqrt_head_dim', 1 / Math.sqrt(headDim));
  const invSqrt2 = g.scalar('inv_sqrt2', Math.SQRT1_2);
  const half = g.scalar('half', 0.5);

  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    // 3. Self-attention: heads [batch, heads, seq, headDim]; keys transposed to [batch, heads, headDim, seq].
    const heads4 = (name: string, perm: number[]) =>
      g.op(
        'Transpose',
        [g.op('Reshape', [b.linear(x, `${p}attention.self.${name}`), splitHeads])],
        {
          perm: { kind: 'ints', value: perm },
        },
      );
    const q = heads4('query', [0, 2, 1, 3]);
    const k = heads4('key', [0, 2, 3, 1]);
    const v = heads4('value', [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), invSqrtD]), maskAdd]); // [batch, heads, seq, seq]
    const probs = g.op('Softmax', [scores], { axis: { kind: 'int', value: -1 } });
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], {
        perm: { kind: 'ints', value: [0, 2, 1, 3] },
      }),
      mergeHeads,
    ]); // [batch, seq, H]
    const attn = b.linear(context, `${p}attention.output.dense`);
    x = b.layerNorm(g.op('Add', [attn, x]), `${p}attention.output.LayerNorm`, eps);

    // 4. Feed-forward with exact GELU: 0.5 · u · (1 + erf(u / √2)).
    const u = b.linear(x, `${p}intermediate.dense`);
    const erf = g.op('Erf', [g.op('Mul', [u, invSqrt2])]);
    const gelu = g.op('Mul', [g.op('Mul', [u, half]), g.op('Add', [erf, 'one'])]);
    const out = b.linear(gelu, `${p}output.dense`);
    x = b.layerNorm(g.op('Add', [out, x]), `${p}output.LayerNorm`, eps);
  }
  g.nameLast('last_hidden_state');

  const tokens = (name: string) => ({
    name,
    elemType: DataType.INT64,
    shape: ['batch', 'sequence'],
  });
  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET,
    producerName: 'attune',
    producerVersion: '0.1.0',
    docString: `BertModel encoder, ${precision}`,
    graph: g.build(
      'bert_encoder',
      [tokens('input_ids'), tokens('attention_mask'), tokens('token_type_ids')],
      [{ name: 'last_hidden_state', elemType: DataType.FLOAT, shape: ['batch', 'sequence', H] }],
    ),
  };
}

/** The `.onnx` bytes of the encoder at `precision`. */
export function bertOnnx(
  config: BertConfig,
  weights: Map<string, NamedTensor>,
  precision: OnnxPrecision,
): Uint8Array {
  return encodeModel(bertOnnxModel(config, weights, precision));
}
