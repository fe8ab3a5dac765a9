import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, errorCodes } from '../../src/domain/errors.js';
import { httpStatusOf, toHttpError } from '../../src/web/errors.js';
import { relativeTime, timeTag } from '../../src/web/views/components.js';
import { escapeHtml, html } from '../../src/web/views/html.js';

describe('html template', () => {
  it('escapes every interpolated string', () => {
    const evil = `<script>"x" & 'y' \`z\`</script>`;
    assert.equal(
      html`<p title="${evil}">${evil}</p>`.value,
      '<p title="&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; &#96;z&#96;&lt;/script&gt;">&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; &#96;z&#96;&lt;/script&gt;</p>',
    );
  });

  it('keeps safe fragments, flattens arrays, drops null, undefined and false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    assert.equal(html`${inner}|${[inner, '<']}|${null}${undefined}${false}|${0}`.value, '<b>&lt;i&gt;</b>|<b>&lt;i&gt;</b>&lt;||0');
  });

  it('does not trust strings that merely look like markup', () => {
    assert.equal(html`${{ value: '<x>' } as unknown as string}`.value, escapeHtml('[object Object]'));
  });
});

describe('the HTTP error table', () => {
  it('maps every domain code', () => {
    const expected = {
      invalid: 400,
      unauthenticated: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      rate_limited: 429,
      unavailable: 503,
      insufficient_storage: 507,
      internal: 500,
    };
    assert.deepEqual(httpStatusOf, expected);
    for (const code of errorCodes) {
      const error = toHttpError(new DomainError(code, 'shown'));
      assert.equal(error.status, expected[code]);
      assert.equal(error.code, code);
    }
  });

  it('never shows the message of an internal error or an unknown throw', () => {
    const internal = toHttpError(new DomainError('internal', 'db password is hunter2', { cause: new Error('x') }));
    assert.doesNotMatch(internal.message, /hunter2/);
    const unknown = toHttpError(new TypeError('secret detail'));
    assert.equal(unknown.status, 500);
    assert.equal(unknown.code, 'internal');
    assert.doesNotMatch(unknown.message, /secret/);
  });
});

describe('relative times', () => {
  const now = Date.UTC(2025, 5, 15, 12, 0, 0);
  const cases: [number, string][] = [
    [now, 'just now'],
    [now - 44_000, 'just now'],
    [now - 3 * 60_000, '3 min ago'],
    [now - 59 * 60_000, '59 min ago'],
    [now - 5 * 3600_000, '5 h ago'],
    [now - 3 * 86400_000, '3 d ago'],
    [Date.UTC(2025, 0, 2), 'Jan 2'],
    [Date.UTC(2023, 11, 31), 'Dec 31, 2023'],
    [now + 60_000, 'just now'],
  ];

  it('reads like a social network, with the exact time on hover', () => {
    for (const [ms, expected] of cases) assert.equal(relativeTime(ms, now), expected, new Date(ms).toISOString());
    assert.equal(
      timeTag(now - 3 * 60_000, now).value,
      '<time datetime="2025-06-15T11:57:00.000Z" title="2025-06-15 11:57 UTC" data-relative>3 min ago</time>',
    );
  });

  it('the page script words them exactly as the server does', async () => {
    const browserModule = new URL('../../../src/web/static/relative-time.js', import.meta.url).href;
    const { relativeTime: inBrowser } = (await import(browserModule)) as { relativeTime: (ms: number, now: number) => string };
    for (let ms = now - 400 * 86400_000; ms <= now; ms += 7_777_777) assert.equal(inBrowser(ms, now), relativeTime(ms, now));
    for (const [ms] of cases) assert.equal(inBrowser(ms, now), relativeTime(ms, now));
  });
});
