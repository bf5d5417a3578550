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
  },
});
