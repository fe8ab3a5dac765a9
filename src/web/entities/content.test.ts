import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { textContent } from './content.js';

const origin = 'https://chorus.example';
const mention = (shown: string, username = shown.toLowerCase()) =>
  `<span class="h-card" translate="no"><a href="${origin}/u/${username}" class="u-url mention">@<span>${shown}</span></a></span>`;
const hashtag = (shown: string, tag = shown.toLowerCase()) =>
  `<a href="${origin}/tags/${tag}" class="mention hashtag" rel="tag">#<span>${shown}</span></a>`;
const link = (url: string) => `<a href="${url}" rel="nofollow noopener noreferrer" target="_blank">${url}</a>`;

describe('text content with mentions and hashtags', () => {
  it("links mentions and hashtags in Mastodon's markup, to lower-case paths, as written", () => {
    assert.equal(
      textContent('hi @Bob_2, see #Chorus!', { origin }),
      `<p>hi ${mention('Bob_2', 'bob_2')}, see ${hashtag('Chorus', 'chorus')}!</p>`,
    );
  });

  it('links only the mentions and tags it is told of, when told', () => {
    const links = { origin, mentions: new Set(['bob']), tags: new Set(['yes']) };
    assert.equal(textContent('@bob @carol #yes #no', links), `<p>${mention('bob')} @carol ${hashtag('yes')} #no</p>`);
  });

  it('links nothing but URLs without links to make', () => {
    assert.equal(textContent('@bob #tag https://a.example'), `<p>@bob #tag ${link('https://a.example')}</p>`);
  });

  it('leaves alone what text.ts says is no mention or tag: e-mail, remote handles, URL fragments, entities, an over-long tag', () => {
    const long = `#a${'b'.repeat(100)}`;
    for (const text of ['me@example.com', '@a@remote.example', 'a#b', '&#39;', 'x/#y', '@ab', long]) {
      assert.doesNotMatch(textContent(text, { origin }), /class="(u-url mention|mention hashtag)"/, text);
    }
    assert.equal(textContent(`#${'a'.repeat(100)}`, { origin }), `<p>${hashtag('a'.repeat(100))}</p>`, '100 characters is still a tag');
  });

  it('lets a URL keep what looks like a tag or a mention inside it', () => {
    const url = 'https://a.example/x?q=1#frag';
    assert.equal(textContent(`${url} #real`, { origin }), `<p>${link('https://a.example/x?q=1#frag')} ${hashtag('real')}</p>`);
    assert.equal(textContent('https://a.example/@bob', { origin }), `<p>${link('https://a.example/@bob')}</p>`);
  });

  it('keeps paragraphs and line breaks, with links on any line', () => {
    assert.equal(textContent('@bob\n#one\n\n#two', { origin }), `<p>${mention('bob')}<br>${hashtag('one')}</p><p>${hashtag('two')}</p>`);
  });

  it('escapes every character of the text, whatever it holds', () => {
    const allowedTag =
      /^<(p|\/p|br|\/a|\/span|span|span class="h-card" translate="no"|a href="[^"<>]*" (rel="nofollow noopener noreferrer" target="_blank"|class="u-url mention"|class="mention hashtag" rel="tag"))>$/;
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '@', '#', 'bob', 'Tag', ' ', '\n', 'https://x.example/', '.', '_') }),
        (text) => {
          const html = textContent(text, { origin });
          const tags = html.match(/<[^>]*>/g) ?? [];
          const textOnly = html.replace(/<[^>]*>/g, '');
          return (
            tags.every((tag) => allowedTag.test(tag)) && !/[<>"']/.test(textOnly) && !/&(?!amp;|lt;|gt;|quot;|#39;|#96;)/.test(textOnly)
          );
        },
      ),
      { seed: 20261202, numRuns: 3000 },
    );
  });
});
