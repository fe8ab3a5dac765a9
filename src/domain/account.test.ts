import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePassword, parseUsername } from './account.js';
import { isCommonPassword } from './common-passwords.js';
import { DomainError } from './errors.js';

const refusedWith =
  (pattern: RegExp, field = 'password') =>
  (error: unknown) => {
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(error.code, 'invalid');
    assert.equal(error.field, field);
    assert.match(error.message, pattern);
    return true;
  };

describe('parsePassword', () => {
  it('refuses passwords of only whitespace, whatever their length', () => {
    for (const blank of [' '.repeat(8), '\t'.repeat(12), ' \u00a0\u2003\n'.repeat(3)]) {
      assert.throws(() => parsePassword(blank), refusedWith(/only spaces/));
    }
  });

  it('refuses the most common passwords, whatever their case and surrounding spaces', () => {
    for (const common of ['password', 'Password1', '12345678', 'qwertyuiop', ' iloveyou ', 'PASSWORD123', 'trustno1']) {
      assert.ok(isCommonPassword(common), common);
      assert.throws(() => parsePassword(common, 'newPassword'), refusedWith(/most common/, 'newPassword'));
    }
  });

  it('accepts an uncommon password as typed, spaces and all', () => {
    for (const fine of ['correct horse', '  tea kettle sunrise ', 'zq8!vL-2mT', '🦊🦊🦊🦊🦊🦊🦊🦊']) {
      assert.equal(parsePassword(fine), fine);
    }
  });

  it('keeps the length rule in code points', () => {
    assert.throws(() => parsePassword('sh0rt!'), refusedWith(/8 to 256/));
    assert.throws(() => parsePassword('x'.repeat(257)), refusedWith(/8 to 256/));
    assert.throws(() => parsePassword(12345678), refusedWith(/must be a string/));
  });
});

describe('parseUsername', () => {
  it('drops surrounding spaces and case, so every path names the same account', () => {
    for (const typed of ['alice', ' alice', 'ALICE ', '\talice\n', ' Alice ']) assert.equal(parseUsername(typed), 'alice');
    assert.throws(() => parseUsername('   '), refusedWith(/3 to 30/, 'username'));
    assert.throws(() => parseUsername('al ice'), refusedWith(/letters a-z/, 'username'));
  });
});
