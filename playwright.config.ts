import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './tests/support/chromium.ts';

// Parallel runs (several developers on one machine) pick their own port.
const PORT = Number(process.env.ATTUNE_E2E_PORT ?? 4174);
const OUT_DIR = `dist-e2e/${PORT}`;
/** The build the tests run against (tests/e2e/static-host.spec.ts serves it with another server). */
export const BUILD_DIR = OUT_DIR;

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'off',
  },
  webServer: {
    // Each port builds into its own folder, so parallel runs never serve each other's build.
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    timeout: 240_000,
    reuseExistingServer: false,
    env: {
      ATTUNE_HUB_MIRROR: 'tests/fixtures/hub',
      ATTUNE_E2E_HARNESS: '1',
      // Builds in the tensor probes the tests read (src/lib/state/test-probes.ts).
      VITE_ATTUNE_E2E: '1',
    },
  },
});
