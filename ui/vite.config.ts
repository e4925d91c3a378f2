/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri serves ui/dist from its own origin; relative paths keep it portable.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything ships in the bundle: no CDN, no inline scripts (CSP).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    rolldownOptions: {
      output: {
        // The libraries in a chunk of their own, the app in another (each
        // under the 500 kB warning); Chart.js stays in the chunk the
        // overview's chart loads when it is first shown.
        codeSplitting: {
          groups: [{ name: 'vendor', test: /node_modules[\\/](?!chart\.js|@kurkle)/ }],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
});
