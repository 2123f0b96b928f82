/**
 * 8-bit weights for `onnx/model_quantized.onnx`, as onnxruntime's `quantize_dynamic` lays them
 * out: linear weights become uint8 with a scale and zero point per output column (asymmetric, the
 * range always holding 0, the formula of `DynamicQuantizeLinear`), so `MatMulInteger` multiplies
 * them with the uint8 activations `DynamicQuantizeLinear` makes at run time; the word-embedding
 * table becomes int8 with one symmetric scale per row, dequantized after the lookup.
 */

export interface ColumnQuantized {
  /** `[in, out]` row-major, `w ≈ (q − zeroPoint[col]) · scale[col]`. */
  q: Uint8Array;
  scale: Float32Array;
  zeroPoint: Uint8Array;
}

/** Quantizes `w` `[rows, cols]` (row-major) column by column to uint8. */
export function quantizeColumns(w: Float32Array, rows: number, cols: number): ColumnQuantized {
  const scale = new Float32Array(cols);
  const zeroPoint = new Uint8Array(cols);
  const q = new Uint8Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    let lo = 0;
    let hi = 0;
    for (let r = 0; r < rows; r++) {
      const v = w[r * cols + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // scale = (max(0, hi) − min(0, lo)) / 255, zero point = round(−lo / scale); a zero column keeps scale 1.
    const s = hi > lo ? (hi - lo) / 255 : 1;
    const zp = Math.min(255, Math.max(0, Math.round(-lo / s)));
    scale[c] = s;
    zeroPoint[c] = zp;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      q[i] = Math.min(255, Math.max(0, Math.round(w[i] / s) + zp));
    }
  }
  return { q, scale, zeroPoint };
}

export interface RowQuantized {
  /** `[rows, cols]` row-major, `w ≈ q · scale[row]`. */
  q: Int8Array;
  scale: Float32Array;
}

/** Quantizes `w` `[rows, cols]` row by row to int8, symmetric: scale = max|row| / 127. */
export function quantizeRows(w: Float32Array, rows: number, cols: number): RowQuantized {
  const q = new Int8Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(w[r * cols + c]));
    const s = m > 0 ? m / 127 : 1;
    scale[r] = s;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(w[r * cols + c] / s);
  }
  return { q, scale };
}
