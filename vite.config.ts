import { defineConfig } from 'vite';

// One self-contained ES module, Lit bundled in: dist/widget.js is what a
// practice's site loads with <script type="module" src=".../widget.js">.
export default defineConfig({
  publicDir: false,
  build: {
    lib: {
      entry: 'widget/index.ts',
      formats: ['es'],
      fileName: 'widget',
    },
    outDir: 'dist',
    emptyOutDir: true,
    minify: true,
    target: 'es2021',
    reportCompressedSize: true,
    rolldownOptions: {
      // Vite keeps whitespace in ES library builds; this file goes straight
      // to browsers, so minify it fully. Lit's @license notices stay.
      output: { minify: true, comments: { legal: true, annotation: false, jsdoc: false } },
    },
  },
});
