import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadHubFile, type DownloadProgress } from '../../../src/lib/hub/download.ts';
import {
  HubAuthError,
  HubCancelledError,
  HubNetworkError,
  HubNotFoundError,
} from '../../../src/lib/hub/errors.ts';
import { memoryPartialStore } from '../../../src/lib/hub/partial.ts';
import { hubFileUrl, type HubFileRef } from '../../../src/lib/hub/url.ts';
import { HUB_FIXTURES, startTestHub, type TestHub } from './test-hub.ts';

const REPO = 'sentence-transformers-testing/tiny-bert';
const WEIGHTS = readFileSync(join(HUB_FIXTURES, REPO, 'model.safetensors'));
const PATH = `/${REPO}/resolve/main/model.safetensors`;

let hub: TestHub;
beforeEach(async () => (hub = await startTestHub()));
afterEach(() => hub.close());

const ref = (file: string): HubFileRef => ({ host: hub.host, repo: REPO, revision: 'main', file });

/** Downloads that should fail, returning the error so a test can look at it. */
async function failure(download: Promise<unknown>): Promise<Error> {
  const e = await download.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(e instanceof Error)) throw new Error('expected the download to fail');
  return e;
}

describe('downloadHubFile', () => {
  it('reports the exact size from Content-Length and ends with every byte', async () => {
    const events: DownloadProgress[] = [];
    const bytes = await downloadHubFile(ref('model.safetensors'), {
      onProgress: (p) => events.push(p),
    });
    expect(Buffer.from(bytes).equals(WEIGHTS)).toBe(true);
    expect(WEIGHTS.byteLength).toBe(121096);
    expect(events.every((e) => e.total === 121096 && e.resumedFrom === 0)).toBe(true);
    expect(events[0].received).toBe(0);
    expect(events.at(-1)!.received).toBe(121096);
    expect(hub.requests).toEqual([{ path: PATH, range: null, status: 200 }]);
  });

  it('cancelled mid-file, resumes with a Range request and yields the identical file', async () => {
    const partials = memoryPartialStore();
    const abort = new AbortController();
    hub.misbehaveNext('model.safetensors', { piece: 8192, delayMs: 25 });
    const cancelled = await failure(
      downloadHubFile(ref('model.safetensors'), {
        partials,
        signal: abort.signal,
        onProgress: (p) => p.received >= 32768 && abort.abort(),
      }),
    );
    expect(cancelled).toBeInstanceOf(HubCancelledError);
    const kept = (cancelled as HubCancelledError).received;
    expect(kept).toBeGreaterThanOrEqual(32768);
    expect(kept).toBeLessThan(121096);
    expect(cancelled.message).toBe(
      `download of model.safetensors from repo ${REPO} cancelled after ${kept} of 121096 bytes`,
    );
    const partial = await partials.get(hubFileUrl(hub.host, REPO, 'main', 'model.safetensors'));
    expect(Buffer.from(partial!.bytes).equals(WEIGHTS.subarray(0, kept))).toBe(true);

    const events: DownloadProgress[] = [];
    const bytes = await downloadHubFile(ref('model.safetensors'), {
      partials,
      onProgress: (p) => events.push(p),
    });
    expect(Buffer.from(bytes).equals(WEIGHTS)).toBe(true);
    expect(hub.requests[1]).toEqual({ path: PATH, range: `bytes=${kept}-`, status: 206 });
    expect(events[0]).toMatchObject({ received: kept, total: 121096, resumedFrom: kept });
    expect(events.at(-1)).toMatchObject({ received: 121096, total: 121096 });
    expect(await partials.get(hubFileUrl(hub.host, REPO, 'main', 'model.safetensors'))).toBe(null);
  });

  it('keeps the prefix when the connection drops and resumes from it', async () => {
    const partials = memoryPartialStore();
    hub.misbehaveNext('model.safetensors', { piece: 10000, delayMs: 5, cutAfter: 50000 });
    const dropped = await failure(downloadHubFile(ref('model.safetensors'), { partials }));
    expect(dropped).toBeInstanceOf(HubNetworkError);
    expect((dropped as HubNetworkError).received).toBe(50000);
    expect(dropped.message).toMatch(
      new RegExp(
        `^network error downloading model.safetensors from repo ${REPO} at revision main after 50000 bytes: .+; loading again resumes from there$`,
      ),
    );

    const bytes = await downloadHubFile(ref('model.safetensors'), { partials });
    expect(Buffer.from(bytes).equals(WEIGHTS)).toBe(true);
    expect(hub.requests.map((r) => r.range)).toEqual([null, 'bytes=50000-']);
    expect(hub.requests[1].status).toBe(206);
  });

  it('starts over when the server answers a Range request with the whole file', async () => {
    const partials = memoryPartialStore();
    hub.misbehaveNext('model.safetensors', { piece: 10000, cutAfter: 30000 });
    await failure(downloadHubFile(ref('model.safetensors'), { partials }));
    hub.misbehaveNext('model.safetensors', { ignoreRange: true });
    const events: DownloadProgress[] = [];
    const bytes = await downloadHubFile(ref('model.safetensors'), {
      partials,
      onProgress: (p) => events.push(p),
    });
    expect(Buffer.from(bytes).equals(WEIGHTS)).toBe(true);
    expect(hub.requests.slice(1)).toEqual([{ path: PATH, range: 'bytes=30000-', status: 200 }]);
    expect(events[0]).toMatchObject({ received: 0, total: 121096, resumedFrom: 0 });
  });

  it('discards a kept prefix of a file of another size and fetches the whole file', async () => {
    const partials = memoryPartialStore();
    const url = hubFileUrl(hub.host, REPO, 'main', 'model.safetensors');
    await partials.put(url, { bytes: new Uint8Array(1000), total: 5000, etag: null });
    const bytes = await downloadHubFile(ref('model.safetensors'), { partials });
    expect(Buffer.from(bytes).equals(WEIGHTS)).toBe(true);
    expect(hub.requests.map((r) => [r.range, r.status])).toEqual([
      ['bytes=1000-', 206],
      [null, 200],
    ]);
  });

  it('names the file, repo and revision when the file does not exist', async () => {
    const e = await failure(downloadHubFile(ref('pytorch_model.bin')));
    expect(e).toBeInstanceOf(HubNotFoundError);
    expect(e.message).toBe(`file pytorch_model.bin not found in repo ${REPO} at revision main`);
  });

  it("reads the Hub's X-Error-Code to tell a missing revision from a missing file", async () => {
    hub.misbehaveNext('config.json', {
      status: 404,
      headers: { 'X-Error-Code': 'RevisionNotFound' },
    });
    const e = await failure(downloadHubFile({ ...ref('config.json'), revision: 'v9' }));
    expect(e.message).toBe(`revision v9 not found in repo ${REPO}`);
  });

  it('says a gated repo needs its conditions accepted, and a 401 needs a token', async () => {
    hub.misbehaveNext('config.json', { status: 403, headers: { 'X-Error-Code': 'GatedRepo' } });
    const gated = await failure(downloadHubFile(ref('config.json')));
    expect(gated).toBeInstanceOf(HubAuthError);
    expect(gated.message).toBe(
      `repo ${REPO} is gated (HTTP 403): accept its conditions at ${hub.host}/${REPO} while signed in, then load it with an access token`,
    );
    hub.misbehaveNext('config.json', { status: 401 });
    const privateRepo = await failure(downloadHubFile(ref('config.json')));
    expect(privateRepo.message).toBe(
      `config.json in repo ${REPO} at revision main needs authorisation (HTTP 401): the repo is private or gated; load it with an access token that can read it`,
    );
  });

  it('turns a refused connection into a network error', async () => {
    const host = hub.host;
    await hub.close();
    const e = await failure(downloadHubFile({ ...ref('config.json'), host }));
    expect(e).toBeInstanceOf(HubNetworkError);
    expect(e.message).toMatch(/after 0 bytes: fetch failed \(.*ECONNREFUSED.*\)/);
    hub = await startTestHub();
  });

  it('fails as cancelled, without a request, when the signal has already fired', async () => {
    const e = await failure(downloadHubFile(ref('config.json'), { signal: AbortSignal.abort() }));
    expect(e).toBeInstanceOf(HubCancelledError);
    expect(hub.requests).toEqual([]);
  });
});
