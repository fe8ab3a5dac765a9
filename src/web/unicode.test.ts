import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unpairedSurrogateError, wellFormedJson } from './unicode.js';

describe('JSON in and out of the web tier', () => {
  it('names the field of a body that holds half a character, however deep', () => {
    assert.equal(unpairedSurrogateError({ status: 'fine 😀', n: 1, list: ['a', null, true], nested: { deep: ['ok'] } }), undefined);
    assert.equal(unpairedSurrogateError(undefined), undefined);
    const cases: Array<[unknown, RegExp]> = [
      [{ status: 'hi \ud800' }, /"status" has an unpaired surrogate/],
      [{ poll: { options: ['a', 'b\udc00'] } }, /"options" has an unpaired surrogate/],
      [{ '\ud800': 'value' }, /it has an unpaired surrogate/],
      ['\ud800', /it has an unpaired surrogate/],
      [['ok', ['\udfff']], /it has an unpaired surrogate/],
    ];
    for (const [body, message] of cases) {
      const error = unpairedSurrogateError(body);
      assert.equal(error?.code, 'invalid', JSON.stringify(body));
      assert.match(error!.message, message);
    }
  });

  it('walks a deeply nested body without recursion', () => {
    let body: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) body = [body];
    assert.equal(unpairedSurrogateError(body)?.code, 'invalid');
  });

  it('serializes as JSON.stringify does, lone surrogates as U+FFFD, and nothing else changed', () => {
    const fine = { text: 'a \\ud800 written out, 😀, "quotes", \u0085', list: [1, null], 'key 😀': true };
    assert.equal(wellFormedJson(fine), JSON.stringify(fine));
    assert.deepEqual(JSON.parse(wellFormedJson(fine)), fine);
    const stored = { text: 'half \ud800 and \udc00\ud800, a pair 😀', '\udbff': 'in a key', escaped: '\\\ud800' };
    const json = wellFormedJson(stored);
    assert.doesNotMatch(json, /\\ud[89a-f]/i);
    assert.deepEqual(JSON.parse(json), {
      text: 'half \ufffd and \ufffd\ufffd, a pair 😀',
      '\ufffd': 'in a key',
      escaped: '\\\ufffd',
    });
    assert.ok(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(json)));
  });
});
