import { defineConfig } from 'vite';

// dist/console/console.js: the practice console (/console), a bundle of its own with Lit inside.
// The widget never imports it, and it leaves dist/widget.js alone (its own output folder).
export default defineConfig({
  publicDir: false,
  build: {
    lib: { entry: 'console/index.ts', formats: ['es'], fileName: () => 'console.js' },
    outDir: 'dist/console',
    emptyOutDir: true,
    minify: true,
    target: 'es2021',
    reportCompressedSize: false,
    rolldownOptions: { output: { minify: true, comments: { legal: true, annotation: false, jsdoc: false } } },
  },
});
