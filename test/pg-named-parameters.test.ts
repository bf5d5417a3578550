// The data layer writes `:name` parameters for both engines; PostgreSQL takes `$n`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toPositional } from '../server/db/postgres/named-parameters.js';

describe('toPositional', () => {
  test('numbers each name once, in order of first use', () => {
    assert.deepEqual(toPositional('SELECT * FROM b WHERE a = :a AND (c = :c OR d = :a) LIMIT :limit'), {
      text: 'SELECT * FROM b WHERE a = $1 AND (c = $2 OR d = $1) LIMIT $3',
      names: ['a', 'c', 'limit'],
    });
  });

  test('leaves casts alone, and a parameter right before one', () => {
    assert.deepEqual(toPositional('SELECT :at::bigint, x::text FROM t'), { text: 'SELECT $1::bigint, x::text FROM t', names: ['at'] });
  });

  test('leaves colons inside strings, quoted names, dollar quotes and comments alone', () => {
    const sql = [
      "SELECT ':no', 'it''s :no', E'\\' :no', \"col:no\" FROM t -- :no",
      'WHERE a = :yes /* :no /* nested :no */ still :no */ AND b = $$ :no $$ AND c = $tag$ :no $tag$ AND d = :also',
    ].join('\n');
    const { text, names } = toPositional(sql);
    assert.deepEqual(names, ['yes', 'also']);
    assert.equal(text, sql.replace(':yes', '$1').replace(':also', '$2'));
  });

  test('a colon not followed by a name, and array slices of numbers, stay as they are', () => {
    assert.deepEqual(toPositional("SELECT a[1:2], ':' || b, 1 : 2"), { text: "SELECT a[1:2], ':' || b, 1 : 2", names: [] });
  });

  test('names take letters, digits and underscores', () => {
    assert.deepEqual(toPositional('VALUES (:s0, :after_start, :_x)'), { text: 'VALUES ($1, $2, $3)', names: ['s0', 'after_start', '_x'] });
  });
});
