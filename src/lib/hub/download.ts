import {
  HubAuthError,
  HubCancelledError,
  HubHttpError,
  HubNetworkError,
  HubNotFoundError,
  type HubError,
} from './errors.ts';
import type { PartialDownload, PartialStore } from './partial.ts';
import { RateMeter, type Clock } from './rate.ts';
import { refUrl, type HubFileRef } from './url.ts';

/** One file's state while it downloads. */
export interface DownloadProgress {
  /** Bytes of the file held so far, a resumed prefix included. */
  received: number;
  /** The file's size from Content-Length / Content-Range; null while the server has not said. */
  total: number | null;
  bytesPerSecond: number;
  /** Bytes kept from an interrupted attempt that this one continues (0 for a fresh download). */
  resumedFrom: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Where an interrupted download leaves its prefix and a later one picks it up; none: no resume. */
  partials?: PartialStore;
  onProgress?: (progress: DownloadProgress) => void;
  /** A Hub access token, for private or gated repos. */
  token?: string;
  clock?: Clock;
}

/**
 * Downloads one file whole. A prefix left in `partials` by an earlier, interrupted attempt is
 * continued with `Range: bytes=N-`: a 206 that starts at N is appended; a 200 (the server ignored
 * the range), a 416 or a 206 for other bytes starts over. Cancelling or losing the connection
 * leaves the bytes received so far in `partials` and throws HubCancelledError / HubNetworkError.
 */
export async function downloadHubFile(
  ref: HubFileRef,
  options: DownloadOptions = {},
): Promise<Uint8Array> {
  const { signal, partials, token } = options;
  const url = refUrl(ref);
  let partial = (await partials?.get(url)) ?? null;
  for (;;) {
    const offset = partial?.bytes.length ?? 0;
    const headers = new Headers();
    if (offset > 0) headers.set('Range', `bytes=${offset}-`);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal });
    } catch (e) {
      throw interruption(ref, signal, offset, partial?.total ?? null, e);
    }
    if (partial && !continuesPartial(response, partial)) {
      await partials?.delete(url);
      partial = null;
      // A 200 body is the whole file; after a 416 or a 206 for other bytes, ask for the whole file.
      if (response.status === 206 || response.status === 416) {
        await response.body?.cancel();
        continue;
      }
    }
    if (!response.ok || (response.status === 206 && !partial)) {
      await response.body?.cancel();
      throw statusError(ref, response);
    }
    return receive(ref, response, partial, options);
  }
}

/** The server's size of the file, from `Content-Range: bytes a-b/size` or Content-Length. */
function announcedTotal(response: Response, offset: number): number | null {
  if (isEncoded(response)) return null;
  const range = /\/(\d+)$/.exec(response.headers.get('Content-Range') ?? '');
  if (range) return Number(range[1]);
  const length = response.headers.get('Content-Length');
  return length === null ? null : offset + Number(length);
}

/** A compressed body's Content-Length counts compressed bytes, and its ranges address them too. */
function isEncoded(response: Response): boolean {
  const encoding = response.headers.get('Content-Encoding');
  return encoding !== null && encoding !== 'identity';
}

/**
 * Whether a response to `Range: bytes=N-` carries bytes N… of the same file. Content-Range and
 * ETag may be unreadable cross-origin (not CORS-safelisted unless the server exposes them): then
 * the 206 itself is the evidence, as a server only sends one for the range it was asked.
 */
function continuesPartial(response: Response, partial: PartialDownload): boolean {
  if (response.status !== 206) return false;
  const contentRange = response.headers.get('Content-Range');
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange ?? '');
  if (contentRange !== null && (!match || Number(match[1]) !== partial.bytes.length)) return false;
  const size = announcedTotal(response, partial.bytes.length);
  if (partial.total !== null && size !== null && size !== partial.total) return false;
  const etag = response.headers.get('ETag');
  return !(partial.etag && etag && etag !== partial.etag);
}

function statusError(ref: HubFileRef, response: Response): HubError {
  // The Hub names the missing piece in X-Error-Code, as huggingface_hub's hf_raise_for_status reads it.
  const code = response.headers.get('X-Error-Code');
  if (code === 'RepoNotFound') return new HubNotFoundError(ref, 'repo');
  if (code === 'RevisionNotFound') return new HubNotFoundError(ref, 'revision');
  if (code === 'GatedRepo') return new HubAuthError(ref, response.status, true);
  if (response.status === 404) return new HubNotFoundError(ref, 'file');
  if (response.status === 401 || response.status === 403) {
    return new HubAuthError(ref, response.status, false);
  }
  if (response.status === 206) {
    return new HubHttpError(ref, 206, 'partial content to a request for the whole file');
  }
  return new HubHttpError(ref, response.status, response.statusText);
}

function interruption(
  ref: HubFileRef,
  signal: AbortSignal | undefined,
  received: number,
  total: number | null,
  error: unknown,
): HubError {
  if (signal?.aborted) return new HubCancelledError(ref, received, total);
  return new HubNetworkError(ref, received, describe(error));
}

/** undici says "fetch failed" and puts the reason ("connect ECONNREFUSED …") in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** Streams the body after `partial`'s bytes, reporting progress and keeping the prefix on failure. */
async function receive(
  ref: HubFileRef,
  response: Response,
  partial: PartialDownload | null,
  options: DownloadOptions,
): Promise<Uint8Array> {
  const { signal, partials, onProgress } = options;
  const url = refUrl(ref);
  const resumedFrom = partial?.bytes.length ?? 0;
  let total = announcedTotal(response, resumedFrom);
  const sink = new ByteSink(total ?? 0);
  if (partial) sink.append(partial.bytes);
  const meter = new RateMeter(options.clock);
  meter.add(0);
  const report = (size: number | null) =>
    onProgress?.({
      received: sink.length,
      total: size,
      bytesPerSecond: meter.bytesPerSecond,
      resumedFrom,
    });
  // Keeps what arrived so a later attempt can resume, unless the body was not the bytes that
  // ranges address: compressed, or longer than announced (a Content-Encoding hidden by CORS).
  let overran = false;
  const keep = async () => {
    if (sink.length > resumedFrom && !isEncoded(response) && !overran) {
      const etag = response.headers.get('ETag');
      await partials?.put(url, { bytes: sink.bytes(), total, etag });
    }
  };
  report(total);
  const reader = response.body?.getReader();
  while (reader) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      await keep();
      throw interruption(ref, signal, sink.length, total, e);
    }
    if (chunk.done) break;
    sink.append(chunk.value);
    meter.add(chunk.value.byteLength);
    if (total !== null && sink.length > total) {
      overran = true;
      total = null;
    }
    report(total);
  }
  if (total !== null && sink.length < total) {
    await keep();
    throw new HubNetworkError(
      ref,
      sink.length,
      `the server closed the response after ${sink.length} of ${total} bytes`,
    );
  }
  await partials?.delete(url);
  report(sink.length);
  return sink.bytes();
}

/** Collects a body into one buffer, sized up front when the length is known, so there is no final copy. */
class ByteSink {
  private buffer: Uint8Array;
  length = 0;

  constructor(expected: number) {
    this.buffer = new Uint8Array(expected);
  }

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.byteLength;
    if (needed > this.buffer.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.byteLength * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
  }

  /** The bytes received, without a copy when the buffer is exactly full. */
  bytes(): Uint8Array {
    return this.length === this.buffer.byteLength
      ? this.buffer
      : this.buffer.subarray(0, this.length);
  }
}
