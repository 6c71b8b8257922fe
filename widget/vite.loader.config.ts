import { defineConfig } from 'vite'

// The async loader host pages include as /widget.js: a single IIFE with no
// imports, no chunks and no CSS file, appended to the frame build in dist/.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    copyPublicDir: false,
    target: 'es2017',
    minify: 'esbuild',
    sourcemap: false,
    lib: {
      entry: 'src/loader/index.ts',
      formats: ['iife'],
      name: 'ParleyLoader',
      fileName: () => 'widget.js',
    },
  },
})
