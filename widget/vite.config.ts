/// <reference types="vitest/config" />
import { defineConfig } from 'vite'

// The chat frame: a normal page, served by the Go server under /widget/
// (dist/frame.html and dist/assets/). The loader (/widget.js) has its own
// config, vite.loader.config.ts, because it must be one self-contained IIFE.
export default defineConfig({
  base: '/widget/',
  build: {
    outDir: 'dist',
    // Emptied here (the first of the two builds); postbuild restores .gitkeep.
    emptyOutDir: true,
    target: 'es2019',
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { frame: 'frame.html' },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
})
