/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The Go server serves the built console at /console/ (embedded with go:embed).
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    // Emptied on every build; the postbuild script puts dist/.gitkeep back.
    emptyOutDir: true,
    // Keep the build CSP-friendly: no inlined assets as data: URLs in scripts.
    assetsInlineLimit: 0,
    target: 'es2020',
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
})
