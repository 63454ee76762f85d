// vite.config.ts - builds the staff web app into dist/ (served by `crm serve` at /); `npm run
// dev` serves it with the API proxied to a running `crm dev` (docs/ui.md).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = process.env.CRM_DEV_API ?? "http://127.0.0.1:8080";

const proxy = Object.fromEntries(
  ["/api", "/platform", "/fhir", "/docs", "/openapi.json", "/healthz", "/readyz"].map((p) => [
    p,
    { target: api, changeOrigin: false },
  ]),
);

export default defineConfig({
  plugins: [react()],
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
