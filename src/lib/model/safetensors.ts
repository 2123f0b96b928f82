import { ModelFormatError } from './errors.ts';

/**
 * Safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {..}}`, then the data
 * buffer, offsets relative to its start (https://github.com/huggingface/safetensors).
 */

export type StoredDtype = 'F32' | 'F16' | 'BF16';

export interface NamedTensor {
  shape: number[];
  /** Always float32 in memory, whatever the stored dtype. */
  data: Float32Array;
}

const BYTES_PER_ELEMENT: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** The reference implementation refuses headers over 100 MB; so do we, before parsing. */
export const MAX_HEADER_BYTES = 100_000_000;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function fail(file: string, message: string): never {
  throw new ModelFormatError(file, message);
}

function checkEntry(file: string, name: string, raw: unknown): HeaderEntry {
  const e = raw as Partial<HeaderEntry> | null;
  if (typeof e !== 'object' || e === null) fail(file, `tensor "${name}" has no header entry`);
  if (typeof e.dtype !== 'string') fail(file, `tensor "${name}" has no dtype`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
    fail(file, `tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
  const off = e.data_offsets;
  if (
    !Array.isArray(off) ||
    off.length !== 2 ||
    !off.every((o) => Number.isInteger(o) && o >= 0) ||
    off[1] < off[0]
  )
    fail(file, `tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`);
  return e as HeaderEntry;
}

function toFloat32(dtype: StoredDtype, bytes: Uint8Array): Float32Array {
  // Copy first: the data block need not be 4-byte aligned inside the file. (`new Uint8Array(view)`
  // copies for every view; a Node Buffer's `slice()` would not.)
  const copy = new Uint8Array(bytes);
  if (dtype === 'F32') return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  const halves = new Uint16Array(copy.buffer, 0, copy.byteLength / 2);
  const out = new Float32Array(halves.length);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
    return out;
  }
  for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]);
  return out;
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE 754 binary16 bits, round to nearest even (as torch's `.half()`). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa rolls into the exponent (up to infinity), as it should.
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The header's tensor entries and where the data starts: the 8-byte length, then the JSON. */
function readHeader(
  bytes: Uint8Array,
  file: string,
): { entries: (readonly [string, HeaderEntry])[]; dataStart: number } {
  if (bytes.byteLength < 8)
    fail(file, `file is ${bytes.byteLength} bytes, too short to hold a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES)
    fail(file, `header claims ${headerLength} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLength > bytes.byteLength)
    fail(
      file,
      `header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8} after the length (truncated?)`,
    );
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (e) {
    fail(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail(file, 'header is not a JSON object');
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, raw]) => [name, checkEntry(file, name, raw)] as const);
  return { entries, dataStart: 8 + headerLength };
}

/** Parameters a safetensors header lists, without decoding the weights; null for a header it cannot read. */
export function safetensorsParameterCount(bytes: Uint8Array): number | null {
  try {
    return readHeader(bytes, 'model.safetensors').entries.reduce(
      (sum, [, e]) => sum + e.shape.reduce((a, b) => a * b, 1),
      0,
    );
  } catch (e) {
    if (e instanceof ModelFormatError) return null;
    throw e;
  }
}

/**
 * Parses and validates a safetensors file. Every fault gets its own message: a short file, a
 * header that is too large or not JSON, an unknown dtype, a shape whose element count does not
 * match the byte length, offsets outside the data or overlapping another tensor.
 */
export function readSafetensors(
  bytes: Uint8Array,
  file = 'model.safetensors',
): Map<string, NamedTensor> {
  const { entries, dataStart } = readHeader(bytes, file);
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, NamedTensor>();
  for (const [name, e] of entries) {
    if (!(e.dtype in BYTES_PER_ELEMENT))
      fail(file, `tensor "${name}" has dtype ${e.dtype}; supported dtypes are F32, F16 and BF16`);
    const dtype = e.dtype as StoredDtype;
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count * BYTES_PER_ELEMENT[dtype] !== end - begin)
      fail(
        file,
        `tensor "${name}" has shape [${e.shape}] × ${dtype} = ${count * BYTES_PER_ELEMENT[dtype]} bytes, but its offsets span ${end - begin}`,
      );
    if (end > dataLength)
      fail(
        file,
        `tensor "${name}" ends at byte ${end} of the data, which holds only ${dataLength} bytes (truncated file or lying header)`,
      );
  }
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1];
    const [name, cur] = sorted[i];
    if (cur.data_offsets[0] < prev.data_offsets[1])
      fail(
        file,
        `tensors "${prevName}" and "${name}" overlap (bytes ${cur.data_offsets[0]}–${prev.data_offsets[1]})`,
      );
  }
  for (const [name, e] of entries) {
    const [begin, end] = e.data_offsets;
    tensors.set(name, {
      shape: e.shape,
      data: toFloat32(e.dtype as StoredDtype, bytes.subarray(dataStart + begin, dataStart + end)),
    });
  }
  return tensors;
}

/**
 * Writes tensors as safetensors, keys sorted (as the reference does), data 8-byte aligned by
 * padding the header with spaces. `dtype` F16 halves the size for export.
 */
export function writeSafetensors(
  tensors: Map<string, NamedTensor>,
  options: { dtype?: 'F32' | 'F16'; metadata?: Record<string, string> } = {},
): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  const width = BYTES_PER_ELEMENT[dtype];
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...options.metadata } };
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new ModelFormatError(
        'model.safetensors',
        `tensor "${name}" has shape [${t.shape}] but ${t.data.length} values`,
      );
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + count * width] };
    offset += count * width;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    if (dtype === 'F32') {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
      at += data.byteLength;
    } else {
      const view = new DataView(out.buffer, at, data.length * 2);
      for (let i = 0; i < data.length; i++) view.setUint16(i * 2, floatToHalf(data[i]), true);
      at += data.length * 2;
    }
  }
  return out;
}

/** Checkpoints saved from `BertForX` carry a `bert.` prefix; the encoder's own names have none. */
export function stripBertPrefix(tensors: Map<string, NamedTensor>): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, t] of tensors) out.set(name.startsWith('bert.') ? name.slice(5) : name, t);
  return out;
}
