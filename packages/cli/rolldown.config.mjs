// The `cee` executable loads one bundle instead of ~220 modules: about 40 ms less per command (see README,
// "Start-up"). Input is tsc's output (dist/main.js), so decorators and types are already compiled away.
// The library entry (dist/index.js) stays unbundled for programmatic users and extensions.
import { rmSync } from 'node:fs';
import { defineConfig } from 'rolldown';

// Chunks live in dist/cee/; remove the previous build's so renamed chunks do not pile up.
rmSync(new URL('./dist/cee', import.meta.url), { recursive: true, force: true });

export default defineConfig({
  input: { cee: 'dist/main.js' },
  platform: 'node',
  // Loaded on demand and large (TypeScript 6 for the tier classifier) or resolving files at run time (jiti for
  // TypeScript config and extensions): left as imports, declared as dependencies of this package.
  external: [/^node:/, '@typescript/typescript6', 'jiti'],
  // CommonJS dependencies (write-file-atomic) read __filename; ESM has import.meta.filename (Node 20.11+).
  transform: { define: { __filename: 'import.meta.filename', __dirname: 'import.meta.dirname' } },
  onLog(level, log, handler) {
    // demo.ts imports main lazily to break an import cycle; that it stays in the entry chunk is intended.
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'cee/[name]-[hash].js',
    sourcemap: true,
  },
});
