import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkHeader } from './link-header.js';

describe('linkHeader', () => {
  const base = 'https://chorus.example/api/v1/timelines/home';

  it('gives absolute next (max_id) and prev (min_id) links in that order', () => {
    assert.equal(
      linkHeader(`${base}?limit=5`, { next: '111', prev: '222' }),
      `<${base}?limit=5&max_id=111>; rel="next", <${base}?limit=5&min_id=222>; rel="prev"`,
    );
  });

  it('replaces the id parameters and keeps every other one as sent, Rails arrays included', () => {
    const url = `${base}?max_id=9&local=true&types%5B%5D=a&types[]=b&since_id=3&q=a+b%20c&min_id=1`;
    assert.equal(linkHeader(url, { next: '8' }), `<${base}?local=true&types%5B%5D=a&types[]=b&q=a+b%20c&max_id=8>; rel="next"`);
    assert.equal(linkHeader(url, { prev: '10' }), `<${base}?local=true&types%5B%5D=a&types[]=b&q=a+b%20c&min_id=10>; rel="prev"`);
  });

  it('drops id parameters however they are encoded, and the fragment', () => {
    assert.equal(linkHeader(`${base}?max%5Fid=4&limit=2#top`, { next: '3' }), `<${base}?limit=2&max_id=3>; rel="next"`);
  });

  it('works without a query and with ports, and gives nothing without links', () => {
    assert.equal(
      linkHeader('http://127.0.0.1:3000/api/v1/accounts/5/statuses', { next: '7' }),
      '<http://127.0.0.1:3000/api/v1/accounts/5/statuses?max_id=7>; rel="next"',
    );
    assert.equal(linkHeader(base, {}), undefined);
  });

  it('parses back with the WHATWG URL parser alone, as masto.js does', () => {
    const header = linkHeader(`${base}?limit=20`, { next: '100000000000000000000000001', prev: '100000000000000000000000002' })!;
    const links = [...header.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(([, url, rel]) => [rel, new URL(url!).searchParams.toString()]);
    assert.deepEqual(links, [
      ['next', 'limit=20&max_id=100000000000000000000000001'],
      ['prev', 'limit=20&min_id=100000000000000000000000002'],
    ]);
  });

  it('refuses a request URL that is not absolute http(s)', () => {
    assert.throws(() => linkHeader('/api/v1/timelines/home', { next: '1' }), TypeError);
    assert.throws(() => linkHeader('javascript:alert(1)', { next: '1' }), TypeError);
  });
});
