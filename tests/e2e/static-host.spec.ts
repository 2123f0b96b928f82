import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expect, test } from '@playwright/test';
import { BUILD_DIR } from '../../playwright.config.ts';

/**
 * The built studio on the plainest static host there is, `python3 -m http.server`: no CSP, no
 * COOP/COEP, no cache headers. The page's meta tag and its service worker must bring the rest.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPythonServer(port: number): Promise<ChildProcess> {
  const server = spawn(
    'python3',
    ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', BUILD_DIR],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error(`python3 -m http.server did not start on port ${port}`);
}

function stop(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill();
  });
}

test('served by python3 -m http.server: CSP from the page, isolated after one reload, starts offline', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const [port, foreignPort] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  const server = await startPythonServer(port);
  try {
    let loads = 0;
    page.on('framenavigated', (frame) => void (frame === page.mainFrame() && loads++));
    const first = await page.goto(`${origin}/`);
    // The host sends none of the headers: everything below comes from the build itself.
    const headers = first!.headers();
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(headers['cross-origin-opener-policy']).toBeUndefined();

    // The service worker takes control and the page reloads once, now cross-origin isolated.
    await page.waitForFunction(() => crossOriginIsolated, null, { timeout: 60_000 });
    expect(loads).toBe(2);
    await expect(page.getByTestId('isolation')).toHaveText('Isolated');
    await expect(page.getByTestId('offline')).toHaveText('Works offline');
    await page.waitForTimeout(1000);
    expect(loads).toBe(2);

    // A fetch to any other origin is refused by the policy in the page's meta tag.
    const foreign = `http://127.0.0.1:${foreignPort}/exfiltrate`;
    const violation = await page.evaluate(async (url) => {
      const seen = new Promise<SecurityPolicyViolationEvent>((resolve) =>
        document.addEventListener('securitypolicyviolation', resolve, { once: true }),
      );
      const failed = await fetch(url, { method: 'POST', body: 'pairs' }).then(
        () => false,
        () => true,
      );
      const e = await seen;
      return { blockedURI: e.blockedURI, directive: e.effectiveDirective, fetchFailed: failed };
    }, foreign);
    expect(violation).toEqual({ blockedURI: foreign, directive: 'connect-src', fetchFailed: true });

    // The host goes away: a reload still starts the studio, from the service worker's copy.
    await stop(server);
    await page.reload();
    const nav = page.getByRole('navigation', { name: 'Steps' });
    for (const name of ['Data', 'Model', 'Train', 'Evaluate', 'Export'])
      await expect(nav.getByRole('link', { name })).toBeVisible();
    await expect(page.getByTestId('offline')).toHaveText(
      'Offline · started from this browser’s copy',
    );
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // The workers start offline too: the compute probe reports from one.
    await expect(page.getByTestId('compute-target')).toHaveText(/WebGPU|CPU/, { timeout: 60_000 });
    await page
      .getByRole('navigation', { name: 'Steps' })
      .getByRole('link', { name: 'Model' })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Model' })).toBeVisible();
  } finally {
    await stop(server);
  }
});
