import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBio, parseDisplayName, parsePassword } from './account.js';
import { DomainError } from './errors.js';
import { parseAppName } from './oauth.js';
import { parsePostText } from './post.js';
import { COMBINING_MARKS_MAX, checkText, excerpt, isWellFormed, type TextRule } from './text-rules.js';

const multiline: TextRule = { subject: 'A post', field: 'text', multiline: true, tabs: true };
const oneLine: TextRule = { subject: 'A display name', field: 'displayName', multiline: false, tabs: false };

const ACUTE = '\u0301';
/** The issue's examples, each refused by every parser of kept text. */
const BAD_TEXTS: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['a lone high surrogate', 'hi \ud800 there', /unpaired surrogate \(U\+D800\)/],
  ['a lone low surrogate', 'hi \udc00', /unpaired surrogate \(U\+DC00\)/],
  ['a right-to-left override left open', 'see \u202egnp.exe', /direction control open \(U\+202E\)/],
  ['a C1 control (NEXT LINE)', 'one\u0085two', /control character \(U\+0085\)/],
  ['a letter with 279 combining marks', `a${ACUTE.repeat(279)}`, /more than 8 combining marks on one character/],
];

function refuses(run: () => unknown, message: RegExp, field: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, 'invalid');
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
}

describe('the text rule', () => {
  it('refuses each bad text in posts, bios, display names and app names, naming the field', () => {
    for (const [, text, message] of BAD_TEXTS) {
      refuses(() => parsePostText(text), message, 'text');
      refuses(() => parseBio(text), message, 'bio');
      refuses(() => parseDisplayName(text), message, 'displayName');
      refuses(() => parseAppName(text), message, 'client_name');
    }
  });

  it('refuses every C0 control but the newline and tab where allowed, DEL and every C1 control', () => {
    for (let code = 0; code <= 0x9f; code++) {
      if (code >= 0x20 && code < 0x7f) continue;
      const char = String.fromCharCode(code);
      const text = `a${char}b`;
      const kept = char === '\n' || char === '\t';
      if (kept) assert.doesNotThrow(() => checkText(text, multiline), `U+${code.toString(16)}`);
      else refuses(() => checkText(text, multiline), /control character/, 'text');
      if (char === '\n') refuses(() => checkText(text, oneLine), /must be one line/, 'displayName');
      else refuses(() => checkText(text, oneLine), /control character/, 'displayName');
    }
    // CR is folded into LF where line breaks are allowed, and refused where they are not.
    assert.equal(parsePostText('one\r\ntwo\rthree'), 'one\ntwo\nthree');
    refuses(() => parseDisplayName('one\rtwo'), /control character \(U\+000D\)/, 'displayName');
  });

  it(`allows ${COMBINING_MARKS_MAX} combining marks on one character, not ${COMBINING_MARKS_MAX + 1}, joiners or not`, () => {
    assert.doesNotThrow(() => checkText(`a${ACUTE.repeat(COMBINING_MARKS_MAX)}`, multiline));
    assert.doesNotThrow(() => checkText(`a${ACUTE.repeat(COMBINING_MARKS_MAX)}b${ACUTE.repeat(COMBINING_MARKS_MAX)}`, multiline));
    refuses(() => checkText(`a${ACUTE.repeat(COMBINING_MARKS_MAX + 1)}`, multiline), /combining marks/, 'text');
    // Zero-width joiners between the marks do not make a new run.
    refuses(() => checkText(`a${`${ACUTE}\u200d`.repeat(COMBINING_MARKS_MAX + 1)}`, multiline), /combining marks/, 'text');
    // Spacing (Mc) and enclosing (Me) marks count too.
    refuses(() => checkText(`\u0915${'\u093e'.repeat(COMBINING_MARKS_MAX + 1)}`, multiline), /combining marks/, 'text');
    refuses(() => checkText(`1${'\u20e3'.repeat(COMBINING_MARKS_MAX + 1)}`, multiline), /combining marks/, 'text');
  });

  it('keeps real writing: accents, scripts with stacked marks, emoji sequences, right-to-left text', () => {
    const writing = [
      'Tiếng Việt có dấu: ệ ợ ử',
      'בְּרֵאשִׁ֖ית בָּרָ֣א', // pointed and cantillated Hebrew
      'བསྒྲུབས་ ཧྨྱཱ', // Tibetan stacks
      'नमस्ते क्षत्रिय', // Devanagari conjuncts
      'ภาษาไทย ที่นี่', // Thai vowels and tone marks
      '1️⃣ 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇫🇷 🏴󠁧󠁢󠁥󠁮󠁧󠁿', // keycap, ZWJ families, skin tone, flags, tag sequence
      'مرحبا بالعالم and English', // Arabic then English
      'quoted \u2067עברית\u2069 inside', // a balanced isolate
      'nested \u202bRTL \u202dLTR\u202c back\u202c done', // balanced, nested embeddings
      'marks \u200e\u200f\u061c are not scoped', // LRM, RLM, ALM
    ];
    for (const text of writing) {
      assert.equal(parsePostText(text), text);
      assert.equal(parseBio(text), text);
      assert.equal(parseAppName(text), text);
    }
    assert.equal(parseBio('line one\n\tindented line two'), 'line one\n\tindented line two');
    assert.equal(parsePostText('a'.repeat(279) + ACUTE), `${'a'.repeat(279)}${ACUTE}`, '280 code points still fit');
  });

  it('refuses direction controls left open at a line end, closing nothing, or closing the wrong kind', () => {
    refuses(() => checkText('\u202bopen', multiline), /direction control open \(U\+202B\)/, 'text');
    refuses(() => checkText('\u2067isolate', multiline), /direction control open \(U\+2067\)/, 'text');
    refuses(() => checkText('\u202eline one\nline two\u202c', multiline), /direction control open \(U\+202E\)/, 'text');
    refuses(() => checkText('closes \u202c nothing', multiline), /closes nothing \(U\+202C\)/, 'text');
    refuses(() => checkText('closes \u2069 nothing', multiline), /closes nothing \(U\+2069\)/, 'text');
    refuses(() => checkText('\u2066crossed\u202c', multiline), /closes nothing \(U\+202C\)/, 'text');
    refuses(() => checkText('\u202aa\u2066b\u202cc\u2069', multiline), /closes nothing \(U\+202C\)/, 'text');
    assert.doesNotThrow(() => checkText('\u202ea\u202c\n\u2068b\u2069', multiline));
  });

  it('takes any well-formed password, and no half of a character', () => {
    for (const password of ['emoji 🔑🔑🔑🔑', 'control \u0085\u0007 chars', `zalgo a${ACUTE.repeat(100)}`, 'override \u202e open']) {
      assert.equal(parsePassword(password), password);
    }
    refuses(() => parsePassword('password \ud800'), /unpaired surrogate/, 'password');
    refuses(() => parsePassword('\udfffpassword', 'newPassword'), /unpaired surrogate/, 'newPassword');
  });

  it('reports well-formedness and quotes input without splitting a character', () => {
    assert.equal(isWellFormed('ok 😀'), true);
    assert.equal(isWellFormed('😀'.slice(0, 1)), false);
    assert.equal(isWellFormed('\udc00\ud800'), false, 'a pair in the wrong order is two halves');
    const text = `${'a'.repeat(63)}😀😀`;
    assert.equal(excerpt(text, 64), `${'a'.repeat(63)}😀`);
    assert.ok(isWellFormed(excerpt(text, 64)));
    assert.equal(excerpt('short', 64), 'short');
  });
});
