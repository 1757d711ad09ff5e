// The page's build: web/ to dist/web, served by the gateway (GATEWAY_PAGE_DIR).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: {
    outDir: process.env.PAGE_OUT_DIR ?? fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
  },
  logLevel: "warn",
});
