/// <reference types="vitest/config" />
import { build as esbuild } from 'esbuild'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

/** A short hash of s (FNV-1a, 32 bits), enough to tell builds apart. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16).padStart(8, '0')
}

// Files of public/ the worker precaches with the built ones.
const PUBLIC_SHELL = ['favicon.svg', 'manifest.webmanifest', 'icons/icon-192.png']

/**
 * Builds src/sw/sw.ts into dist/sw.js (served at /sw.js) with the list of
 * this build's files to precache; the cache name follows the file names,
 * which carry content hashes, so a new build replaces the old shell.
 */
function serviceWorker(): Plugin {
  let base = '/'
  return {
    name: 'parley-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      base = config.base
    },
    async generateBundle(_options, bundle) {
      const files = new Set(['index.html', ...PUBLIC_SHELL])
      for (const name of Object.keys(bundle)) if (!name.endsWith('.map')) files.add(name)
      const precache = [...files].sort().map((f) => base + f)
      const version = fnv1a(precache.join('\n'))
      const out = await esbuild({
        entryPoints: ['src/sw/sw.ts'],
        bundle: true,
        write: false,
        format: 'iife',
        target: 'es2020',
        minify: true,
        define: { __PRECACHE__: JSON.stringify(precache), __BUILD__: JSON.stringify(version) },
      })
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: out.outputFiles[0].text })
    },
  }
}

// The Go server serves the built console at /console/ (embedded with go:embed).
export default defineConfig({
  base: '/console/',
  plugins: [vue(), serviceWorker()],
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
