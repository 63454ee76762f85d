// vite.config.ts - builds the staff web app into dist/ (served by `crm serve` at /); `npm run
// dev` serves it with the API proxied to a running `crm dev` (docs/ui.md).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const api = process.env.CRM_DEV_API ?? "http://127.0.0.1:8080";

const proxy = Object.fromEntries(
  ["/api", "/platform", "/fhir", "/docs", "/openapi.json", "/healthz", "/readyz"].map((p) => [
    p,
    { target: api, changeOrigin: false },
  ]),
);

export default defineConfig({
  plugins: [react()],
  resolve: {
    // the diary's calendar imports lodash's CommonJS modules one by one; their ES twins are the
    // same code without a CommonJS wrapper each (docs/performance.md)
    alias: [
      { find: /^lodash\/(.*)$/, replacement: "lodash-es/$1.js" },
      { find: /^dom-helpers$/, replacement: fileURLToPath(new URL("src/vendor-shims/dom-helpers.ts", import.meta.url)) },
      { find: /^react-overlays$/, replacement: fileURLToPath(new URL("src/vendor-shims/no-overlays.ts", import.meta.url)) },
    ],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    // no inline script or style anywhere: the server's CSP is default-src 'self'
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { proxy },
  // `vite preview` (the built app) with the same CSP as crm serve gives it
  preview: { proxy, headers: { "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'" } },
});
