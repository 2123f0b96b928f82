import { env, pipeline } from '@huggingface/transformers';
import ortWasmFactory from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { readZip } from '../../../src/lib/export/zip.ts';

export interface TransformersEmbedOptions {
  dtype: 'fp32' | 'q8';
  pooling: 'mean' | 'cls';
  normalize: boolean;
}

/**
 * An exported zip, opened in the page as an app would ship it, embedded with transformers.js
 * (onnxruntime-web on wasm). Its files are served to transformers.js from memory: every request
 * under the model's name is answered from the archive, anything else is a 404.
 */
async function transformersEmbed(
  zip: number[],
  texts: string[],
  options: TransformersEmbedOptions,
): Promise<number[][]> {
  const entries = readZip(new Uint8Array(zip), 'export.zip');
  const root = [...entries.keys()][0].split('/')[0];
  const base = `${location.origin}/exported/`;
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.useBrowserCache = false;
  env.remoteHost = base;
  env.remotePathTemplate = '{model}/';
  env.fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    const bytes = url.startsWith(base) ? entries.get(decodeURI(url.slice(base.length))) : undefined;
    return bytes
      ? new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: { 'content-length': String(bytes.length) },
        })
      : new Response(null, { status: 404 });
  };
  const wasm = env.backends.onnx.wasm;
  if (wasm) wasm.wasmPaths = { mjs: ortWasmFactory, wasm: ortWasmBinary };
  const extractor = await pipeline('feature-extraction', root, {
    dtype: options.dtype,
    device: 'wasm',
  });
  const output = await extractor(texts, { pooling: options.pooling, normalize: options.normalize });
  const rows = output.tolist() as number[][];
  await extractor.dispose();
  return rows;
}

/** The zip's files relative to its root folder, as the studio's local-model import reads them. */
function unzipExport(zip: number[]): Map<string, Uint8Array> {
  const entries = readZip(new Uint8Array(zip), 'export.zip');
  return new Map([...entries].map(([path, bytes]) => [path.slice(path.indexOf('/') + 1), bytes]));
}

Object.assign(globalThis, { transformersEmbed, unzipExport });
