import { transform } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';

/**
 * The widget's CSS and HTML live in Lit's tagged templates, which no minifier touches: the
 * stylesheet (one css`` without interpolations) is minified as CSS, and the indentation after
 * each line break in the element's html`` templates goes (whitespace between tags renders the
 * same however long it is). Fewer bytes for the first screen (npm run bench:widget).
 */
function minifyTemplates(): Plugin {
  return {
    name: 'thread-minify-templates',
    apply: 'build',
    async transform(code, id) {
      if (id.endsWith('.styles.ts')) {
        const start = code.indexOf('css`') + 4;
        const end = code.lastIndexOf('`');
        const source = code.slice(start, end);
        if (start < 4 || source.includes('${')) throw new Error(`${id}: expected one css\`\` without interpolations`);
        const { code: css } = await transform(source, { loader: 'css', minify: true });
        return { code: `${code.slice(0, start)}${css.trim()}${code.slice(end)}`, map: null };
      }
      if (/\/widget\/[^?]*\.ts$/.test(id) && /\bhtml`/.test(code)) {
        return { code: code.replace(/\n[ \t]+/g, '\n'), map: null };
      }
      return undefined;
    },
  };
}

// widget.js, the entry a practice's site loads with <script type="module" src=".../widget.js">,
// Lit bundled in; what only the steps after a pick need comes in a chunk beside it
// (widget-<name>-<hash>.js), which the server serves like widget.js.
export default defineConfig({
  publicDir: false,
  plugins: [minifyTemplates()],
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
      // The chunk may import what it shares with widget.js (Lit, the types) from widget.js itself,
      // rather than from a third file the first screen would wait for.
      preserveEntrySignatures: 'allow-extension',
      // Vite keeps whitespace in ES library builds; this file goes straight
      // to browsers, so minify it fully. Lit's @license notices stay.
      output: {
        minify: true,
        comments: { legal: true, annotation: false, jsdoc: false },
        // The server serves widget-<letters, digits, _ and -><hash>.js (server/http/widget-assets.ts): a chunk
        // named after a module such as after-pick.styles.ts (shared by the after-pick and manage chunks) loses its dot.
        chunkFileNames: (chunk) => `widget-${chunk.name.replace(/[^\w-]/g, '-')}-[hash].js`,
      },
    },
  },
});
