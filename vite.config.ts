/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { contentSecurityPolicy, ISOLATION_HEADERS } from './src/lib/env/content-security-policy.ts';
import { hubMirror } from './tests/support/hub-mirror.ts';

/** Headers for the dev and preview servers; a static host needs none of them (see README). */
function securityHeaders(dev: boolean): Record<string, string> {
  return { ...ISOLATION_HEADERS, 'Content-Security-Policy': contentSecurityPolicy({ dev }) };
}

/** The policy as a meta tag at the top of `<head>`, before any script, so every host keeps it. */
function cspMetaTag(): Plugin {
  let dev = false;
  return {
    name: 'attune-csp-meta',
    configResolved: (config) => void (dev = config.command === 'serve'),
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ dev }) },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/**
 * One service worker (src/sw.ts) for both jobs: it precaches the built app for offline starts
 * and adds COOP/COEP/CSP to what it serves, so a host without headers still gets an isolated
 * page. The page registers it itself (src/lib/state/shell.svelte.ts); the dev server has none.
 */
const serviceWorker = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src',
  filename: 'sw.ts',
  injectRegister: false,
  manifest: false,
  injectManifest: {
    globPatterns: ['**/*.{js,mjs,css,html,wasm,svg,csv}'],
    // onnxruntime's 27 MB WebAssembly serves query generation alone: the worker caches it on
    // first use instead of every first visit.
    globIgnores: ['**/ort-wasm-*.wasm'],
    // tfjs's WebAssembly backends (~5 MB each): training offline needs them.
    maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
  },
});

/**
 * tfjs's threaded wasm build gives each pthread worker the Emscripten factory as a Blob of
 * `factory.toString()`. Minified, that function refers to a name outside itself (`_scriptDir`,
 * renamed, its `typeof` guard folded away) and every pthread worker stops with a ReferenceError:
 * the Blob gets the factory's own file, as text, instead. The dev server does not minify.
 */
function tfjsWasmThreadsSource(): Plugin {
  const toString =
    /`var WasmBackendModuleThreadedSimd = `\s*\+\s*wasmFactoryThreadedSimd\.toString\(\)/;
  return {
    name: 'attune-tfjs-wasm-threads-source',
    apply: 'build',
    transform(code, id) {
      if (!id.includes('/@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js')) return;
      if (!toString.test(code))
        this.error(
          `tfjs-backend-wasm no longer builds its pthread script as vite.config.ts expects`,
        );
      return (
        "import threadedFactorySource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';\n" +
        code.replace(toString, 'threadedFactorySource')
      );
    },
  };
}

/** Local stand-in for the Hub, used by the end-to-end tests only (ATTUNE_HUB_MIRROR=dir). */
function hubMirrorPlugin(): Plugin {
  const dir = process.env.ATTUNE_HUB_MIRROR;
  return {
    name: 'attune-hub-mirror',
    configureServer: (server) =>
      void (dir && server.middlewares.use('/hub-mirror', hubMirror(dir))),
    configurePreviewServer: (server) =>
      void (dir && server.middlewares.use('/hub-mirror', hubMirror(dir))),
  };
}

export default defineConfig({
  plugins: [svelte(), cspMetaTag(), serviceWorker, hubMirrorPlugin()],
  server: { headers: securityHeaders(true) },
  preview: { headers: securityHeaders(false), port: 4173 },
  // Worker bundles take their own plugins: tfjs (and its wasm backend) runs only in workers.
  worker: { format: 'es', plugins: () => [tfjsWasmThreadsSource()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // The end-to-end tests drive real workers through a harness page, built only for them.
    rollupOptions: process.env.ATTUNE_E2E_HARNESS
      ? { input: { main: 'index.html', harness: 'tests/e2e/harness/index.html' } }
      : undefined,
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // The CLI's engine features: the numbers a test computes in-process match the CLI's.
    setupFiles: ['src/cli/relaxed-simd.ts'],
  },
});
