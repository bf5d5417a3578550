/** A statement as PostgreSQL takes it: `$n` placeholders, and the parameter name each one stands for. */
export interface Positional {
  text: string;
  /** `names[i]` is the parameter `$${i + 1}` stands for; a name used twice keeps one number. */
  names: string[];
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER = /[A-Za-z0-9_]/;

/**
 * Rewrites the data layer's `:name` parameters (one SQL text for both engines, see executor.ts) as
 * PostgreSQL's `$n`. Casts (`::bigint`) are left alone, and so is everything inside quotes ('...',
 * E'...', "..."), dollar quotes ($$...$$, $tag$...$tag$) and comments, where a colon is only text.
 */
export function toPositional(sql: string): Positional {
  const names: string[] = [];
  const numbers = new Map<string, number>();
  let text = '';
  let i = 0;
  /** Copies from `i` through the end of what starts there and ends at `end` (exclusive index). */
  const copyTo = (end: number) => {
    text += sql.slice(i, end);
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    const before = sql[i - 1] ?? '';
    if (c === "'") {
      // E'...' takes backslash escapes; elsewhere a quote is escaped by doubling it, which reads as two strings.
      const escapes = (before === 'E' || before === 'e') && !IDENTIFIER.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < sql.length && sql[j] !== "'") j += escapes && sql[j] === '\\' ? 2 : 1;
      copyTo(Math.min(j + 1, sql.length));
    } else if (c === '"') {
      const j = sql.indexOf('"', i + 1);
      copyTo(j === -1 ? sql.length : j + 1);
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      copyTo(j === -1 ? sql.length : j + 1);
    } else if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      let j = i;
      do {
        if (sql.startsWith('/*', j)) (depth += 1), (j += 2);
        else if (sql.startsWith('*/', j)) (depth -= 1), (j += 2);
        else j += 1;
      } while (depth > 0 && j < sql.length);
      copyTo(j);
    } else if (c === '$' && !IDENTIFIER.test(before)) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!tag) {
        copyTo(i + 1);
        continue;
      }
      const j = sql.indexOf(tag[0], i + tag[0].length);
      copyTo(j === -1 ? sql.length : j + tag[0].length);
    } else if (c === ':' && next === ':') {
      copyTo(i + 2);
    } else if (c === ':' && next !== undefined && IDENTIFIER_START.test(next)) {
      let j = i + 1;
      while (j < sql.length && IDENTIFIER.test(sql[j])) j += 1;
      const name = sql.slice(i + 1, j);
      let number = numbers.get(name);
      if (number === undefined) {
        names.push(name);
        numbers.set(name, (number = names.length));
      }
      text += `$${number}`;
      i = j;
    } else {
      copyTo(i + 1);
    }
  }
  return { text, names };
}
