import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    port: 5173,
    proxy: { '/trpc': { target: 'http://localhost:3000', changeOrigin: false }, '/api': { target: 'http://localhost:3000', changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The real budget (first-route JS ≤ 250 kB gzip) is measured by bench/web.bench.ts.
    chunkSizeWarningLimit: 600,
  },
});
