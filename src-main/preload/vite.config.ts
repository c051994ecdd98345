// Bundles the sandboxed preload into one CommonJS file: a sandboxed preload cannot load ES modules
// or require relative files, only 'electron' (and a few Node built-ins). Run after `tsc -p
// tsconfig.build.json`:  vite build --config src-main/preload/vite.config.ts
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: `${here}/../../dist/src-main/preload`,
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    target: 'es2022',
    lib: {
      entry: `${here}/index.ts`,
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
