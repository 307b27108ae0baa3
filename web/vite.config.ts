// Vite build of the web console. `npm run build:web` writes web/dist, which Vigil serves at `/`.
// `npm run dev:web` starts a dev server that proxies the API to a Vigil on VIGIL_URL (default :7070).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const target = process.env.VIGIL_URL ?? 'http://localhost:7070';
const proxied = ['/api', '/health', '/version', '/metrics'];

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, assetsInlineLimit: 0 },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((p) => [p, { target, changeOrigin: false }])),
  },
});
