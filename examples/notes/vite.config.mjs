import { defineConfig } from 'vite';

// The SPA: index.html + src/web, built to dist/web and served by the API server (scripts/start.mjs).
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  build: { outDir: 'dist/web', emptyOutDir: true },
  logLevel: 'warn',
});
