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
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    // One stylesheet in import order (the shell's styles first, sections' after them).
    cssCodeSplit: false,
    // Libraries and each capability section get their own fingerprinted chunk, so a change to one
    // section leaves the browser's cached copies of the others (and of React) valid.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 30 },
            { name: 'charts', test: /node_modules[\\/]uplot[\\/]/, priority: 30 },
            {
              name: 'markdown',
              test: /node_modules[\\/](react-markdown|remark-[^\\/]+|micromark[^\\/]*|mdast-[^\\/]+|hast-[^\\/]+|unified|vfile[^\\/]*|unist-[^\\/]+|property-information|space-separated-tokens|comma-separated-tokens|decode-named-character-reference|character-entities[^\\/]*|trim-lines|bail|is-plain-obj|trough|devlop|zwitch|longest-streak|markdown-table|ccount|escape-string-regexp|html-url-attributes|estree-util-[^\\/]+|style-to-[^\\/]+|inline-style-parser|@ungap)[\\/]/,
              priority: 20,
            },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
            {
              name: (id: string) => /[\\/]features[\\/]([^\\/]+)[\\/]/.exec(id)?.[1] ?? null,
              test: /[\\/]web[\\/]src[\\/]features[\\/]/,
              priority: 5,
            },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((p) => [p, { target, changeOrigin: false }])),
  },
});
