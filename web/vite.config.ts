import { defineConfig } from 'vite';

// /config.js is not bundled: serve.mjs writes it per stack (public/config.js
// holds the `make up` defaults for `vite dev`).
export default defineConfig({
  server: { host: '127.0.0.1', port: 8083 },
  build: { outDir: 'dist', emptyOutDir: true },
});
