import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'qs';
import { parsePairs, parseQuery } from './params.js';

describe('Rails-style parameters', () => {
  it('reads brackets as arrays and objects, as Rails does', () => {
    assert.deepEqual({ ...parseQuery('id[]=1&id[]=2') }, { id: ['1', '2'] });
    assert.deepEqual({ ...parseQuery('types%5B%5D=mention') }, { types: ['mention'] });
    assert.deepEqual(JSON.parse(JSON.stringify(parseQuery('home[last_read_id]=5&poll[options][]=a&poll[options][]=b'))), {
      home: { last_read_id: '5' },
      poll: { options: ['a', 'b'] },
    });
    assert.deepEqual({ ...parseQuery('limit=5&q=a+b%21') }, { limit: '5', q: 'a b!' });
  });

  it('never touches prototypes and stays bounded', () => {
    const parsed = parseQuery('__proto__[polluted]=1&constructor[prototype][polluted]=1&hasOwnProperty=x');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(parsed), null);
    const many = Array.from({ length: 150 }, (_, i) => `id[]=${i}`).join('&');
    assert.equal(Array.isArray(parseQuery(many).id), false, 'past the array limit it is no array, so handlers refuse it');
    const deep = parseQuery('a[b][c][d][e][f]=1') as { a: { b: { c: { d: Record<string, unknown> } } } };
    assert.equal(typeof deep.a.b.c.d, 'object', 'depth is cut off, the rest kept as one key');
  });

  it('reads plain queries without qs exactly as qs does', () => {
    const qsOf = (text: string) =>
      parse(text, { depth: 3, arrayLimit: 100, parameterLimit: 200, allowPrototypes: false, plainObjects: true });
    const names = ['limit', 'max_id', 'a', 'A_1', '__proto__', 'constructor', 'toString', 'x'];
    const values = ['', '20', '109348571234567890', 'a.b-c_d', 'x'];
    let seed = 13;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + random(4) }, () => `${names[random(names.length)]}=${values[random(values.length)]}`).join('&');
      const parsed = parseQuery(text);
      assert.deepEqual(parsed, qsOf(text), text);
      assert.equal(Object.getPrototypeOf(parsed), null, text);
    }
    for (const text of ['', 'a', 'a=1&', '&a=1', 'a=1&a=2', 'a=%41', 'a=b+c', 'a[]=1', 'a=1=2', '=1']) {
      assert.deepEqual(parseQuery(text), qsOf(text), text);
    }
  });

  it('multipart fields read exactly as the same fields urlencoded', () => {
    const pairs: Array<[string, string]> = [
      ['id[]', '1'],
      ['id[]', '2'],
      ['home[last_read_id]', 'a&b=c'],
      ['note', 'x+y %'],
    ];
    assert.deepEqual(JSON.parse(JSON.stringify(parsePairs(pairs))), {
      id: ['1', '2'],
      home: { last_read_id: 'a&b=c' },
      note: 'x+y %',
    });
  });
});
