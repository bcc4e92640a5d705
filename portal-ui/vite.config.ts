import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the UI on :5173 and sends API calls to a portal on :8070.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": "http://localhost:8070",
      "/openapi.json": "http://localhost:8070",
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
});
