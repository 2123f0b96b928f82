import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crc32 } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { sentenceTransformersFolder } from '../../../src/lib/export/folder.ts';
import { readZip, writeZip, zipBlob, ZipError } from '../../../src/lib/export/zip.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { writeSafetensors } from '../../../src/lib/model/safetensors.ts';
import { TINY_BERT } from '../model/reference.ts';
import { exportedFiles } from '../../support/export-files.ts';

let model: SentenceModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadSentenceModel(directorySource(TINY_BERT));
});

/** The normalised export of the tiny model, so the folder has the empty `2_Normalize/` entry. */
const folder = () =>
  sentenceTransformersFolder({ ...model, normalize: true }, model.weights, { readme: '# card\n' });

async function zipToBytes(files: Map<string, Uint8Array>, chunkSize?: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await writeZip(files, (c) => void chunks.push(c.slice()), {
    chunkSize,
    mtime: new Date(2024, 0, 2, 3, 4, 6),
  });
  return Buffer.concat(chunks);
}

interface CentralEntry {
  name: string;
  method: number;
  crc: number;
  size: number;
}

/** The archive's central directory, read by hand (APPNOTE 4.3.12/4.3.16) to check what fflate does not. */
function centralDirectory(zip: Buffer): CentralEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      size: zip.readUInt32LE(at + 24),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

describe('streaming zip writer', () => {
  it('round-trips the exported folder: exact file list with 2_Normalize/, identical bytes', async () => {
    const files = folder();
    const unzipped = unzipSync(await zipToBytes(files));
    expect(Object.keys(unzipped).sort()).toEqual(exportedFiles({ normalize: true }));
    for (const [path, bytes] of files)
      expect(Buffer.from(unzipped[path]).equals(bytes), path).toBe(true);
  });

  it('stores the weights, deflates the text, and records each entry’s CRC-32 and size', async () => {
    const files = folder();
    const entries = centralDirectory(await zipToBytes(files, 4096));
    expect(entries.map((e) => e.name)).toEqual([...files.keys()]);
    for (const e of entries) {
      const bytes = files.get(e.name)!;
      expect(e.crc, e.name).toBe(crc32(bytes));
      expect(e.size, e.name).toBe(bytes.byteLength);
      const stored = e.name === 'model.safetensors' || e.name === '2_Normalize/';
      expect(e.method, e.name).toBe(stored ? 0 : 8);
    }
  });

  it('is byte-identical for the same files and mtime, whatever the slice size', async () => {
    const files = folder();
    const [a, b] = [await zipToBytes(files, 1000), await zipToBytes(files, 1 << 20)];
    expect(a.equals(b)).toBe(true);
  });

  it('puts every entry under `root` and waits for an async sink before pushing more', async () => {
    const chunks: Uint8Array[] = [];
    let pending = 0;
    await writeZip(
      [
        ['a.txt', new TextEncoder().encode('alpha')],
        ['dir/', new Uint8Array(0)],
      ],
      async (chunk) => {
        expect(pending).toBe(0);
        pending++;
        await new Promise((wait) => setTimeout(wait, 1));
        chunks.push(chunk.slice());
        pending--;
      },
      { root: 'my-model/' },
    );
    expect(Object.keys(unzipSync(Buffer.concat(chunks)))).toEqual([
      'my-model/a.txt',
      'my-model/dir/',
    ]);
    const blob = await zipBlob([['a.txt', new TextEncoder().encode('alpha')]], { root: 'm' });
    expect(blob.type).toBe('application/zip');
    expect(unzipSync(new Uint8Array(await blob.arrayBuffer()))).toEqual({
      'm/a.txt': new TextEncoder().encode('alpha'),
    });
  });

  it('streams a 100 MB model holding one slice, with peak extra memory far below one copy', async () => {
    // A synthetic checkpoint: one 25M-float tensor, 100,000,000 bytes of data plus the header.
    const values = new Float32Array(25_000_000);
    for (let i = 0; i < values.length; i += 1024) values[i] = i;
    const weights = writeSafetensors(new Map([['w', { shape: [values.length], data: values }]]));
    const files = new Map([
      ['config.json', new TextEncoder().encode('{"model_type": "bert"}')],
      ['model.safetensors', weights],
    ]);
    const size = weights.byteLength;

    // Measurement: `arrayBuffers` counts every live ArrayBuffer in the process, so after a forced
    // GC with the model already allocated, the baseline holds one copy of the model. The sink
    // keeps nothing (it only sums lengths and checksums the stream, as a file writer would hand
    // each chunk on), and samples `arrayBuffers` on every chunk: any copy of the weights the
    // writer made — a second copy of the file, or the archive assembled whole — would show up
    // there as +100 MB. A plain `zipSync` of this folder holds the archive whole: +1× the model.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    let streamed = 0;
    let crc = 0;
    const result = await writeZip(files, (chunk) => {
      streamed += chunk.byteLength;
      crc = crc32(chunk, crc);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    });

    expect(result.bytes).toBe(streamed);
    expect(streamed).toBeGreaterThan(size);
    expect(streamed - size).toBeLessThan(1024);
    expect(crc).not.toBe(0);
    // The writer's own queue: one 1 MiB slice of passed-through weights plus headers.
    expect(result.peakQueued).toBeLessThanOrEqual((1 << 20) + 512);
    expect(peak - baseline).toBeLessThan(0.1 * size);
  });
});

describe('readZip', () => {
  it('reads an exported archive back without directories or archiver junk', async () => {
    const files = folder();
    const extra = new Map([...files, ['__MACOSX/._config.json', new Uint8Array(3)]]);
    extra.set('.DS_Store', new Uint8Array(2));
    const read = readZip(await zipToBytes(extra), 'model.zip');
    expect([...read.keys()].sort()).toEqual(
      [...files.keys()].filter((p) => !p.endsWith('/')).sort(),
    );
    expect(
      Buffer.from(read.get('model.safetensors')!).equals(files.get('model.safetensors')!),
    ).toBe(true);
  });

  it('names the archive when it is not a zip', () => {
    const notZip = new TextEncoder().encode('query,positive\nhello,world\n');
    expect(() => readZip(notZip, 'pairs.zip')).toThrow(ZipError);
    expect(() => readZip(notZip, 'pairs.zip')).toThrow(
      /^pairs\.zip: is not a readable zip archive/,
    );
  });
});
