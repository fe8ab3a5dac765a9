import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { richText } from './rich-text.js';

const render = (text: string, mentions?: readonly string[]) => richText(text, mentions === undefined ? {} : { mentions }).value;

describe('richText', () => {
  it('links mentions to profiles and tags to tag pages, in lower case', () => {
    assert.equal(
      render('hi @Ann, see #Chorus_2 now', ['ann']),
      'hi <a href="/u/ann" class="mention">@Ann</a>, see <a href="/tags/chorus_2" class="hashtag">#Chorus_2</a> now',
    );
  });

  it("links only the post's own mentions when given, every mention otherwise (a bio)", () => {
    assert.equal(render('@ann and @nobody', ['ann']), '<a href="/u/ann" class="mention">@ann</a> and @nobody');
    assert.equal(render('@ann and @nobody', []), '@ann and @nobody');
    assert.match(render('@ann and @nobody'), /<a href="\/u\/nobody" class="mention">@nobody<\/a>/);
  });

  it('follows the domain patterns: no mention in an address, no tag in a word or an entity', () => {
    assert.equal(render('me@example.com a#b &#39; @a@remote.example'), 'me@example.com a#b &amp;#39; @a@remote.example');
    assert.equal(render(`#${'a'.repeat(101)}`), `#${'a'.repeat(101)}`, 'a tag over 100 characters stays text');
    assert.equal(render('#123'), '#123', 'a tag needs a letter');
  });

  it('links web addresses without the punctuation after them, and shortens long ones', () => {
    assert.equal(
      render('see https://example.com/a?b=1#frag.'),
      'see <a href="https://example.com/a?b=1#frag" rel="nofollow noopener noreferrer ugc" class="link">example.com/a?b=1#frag</a>.',
    );
    const long = `https://example.com/${'x'.repeat(60)}`;
    const html = render(long);
    assert.ok(html.includes(`href="${long}"`));
    assert.match(html, />example\.com\/x+…<\/a>$/);
    assert.ok(!render('a https://x.org/?q=#tag @ann').includes('/tags/tag'), 'a fragment in a link is part of the link');
  });

  it('escapes everything else', () => {
    assert.equal(
      render('<script>alert("@ann")</script> & #tag\'', ['ann']),
      '&lt;script&gt;alert(&quot;<a href="/u/ann" class="mention">@ann</a>&quot;)&lt;/script&gt; &amp; <a href="/tags/tag" class="hashtag">#tag</a>&#39;',
    );
    assert.equal(
      render('javascript:alert(1) http://a.b/"onmouseover="x'),
      'javascript:alert(1) <a href="http://a.b/" rel="nofollow noopener noreferrer ugc" class="link">a.b/</a>&quot;onmouseover=&quot;x',
    );
  });

  it('keeps line breaks and text around several links in order', () => {
    assert.equal(
      render('#a\n@bob #b', ['bob']),
      '<a href="/tags/a" class="hashtag">#a</a>\n<a href="/u/bob" class="mention">@bob</a> <a href="/tags/b" class="hashtag">#b</a>',
    );
    assert.equal(render(''), '');
  });
});
