import { mentionPattern, TAG_MAX, tagPattern } from '../../domain/text.js';
import { escapeHtml } from '../views/html.js';

/**
 * Plain text (a post, a bio) as Mastodon's HTML: paragraphs split at blank
 * lines, single line breaks as <br>, http(s) URLs as links and, when
 * `links` is given, mentions and hashtags as Mastodon marks them up
 * (`<span class="h-card"><a class="u-url mention">` and
 * `<a class="mention hashtag" rel="tag">`), so clients style and route
 * them as they do Mastodon's. Every character of the text is escaped:
 * nothing a person writes becomes markup. Which words are mentions and
 * tags is domain/text.ts's one definition.
 */

export interface ContentLinks {
  /** The absolute origin the links point into: `/u/<username>` and `/tags/<tag>`. */
  origin: string;
  /** The usernames (lower case) whose mentions are linked; every well-formed one when absent. */
  mentions?: ReadonlySet<string>;
  /** The tags (lower case) that are linked; every well-formed one when absent. */
  tags?: ReadonlySet<string>;
}

export function textContent(text: string, links?: ContentLinks): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[^\S\n]*\n\s*/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  return paragraphs
    .map(
      (paragraph) =>
        `<p>${paragraph
          .split('\n')
          .map((line) => linkLine(line, links))
          .join('<br>')}</p>`,
    )
    .join('');
}

export function profileUrl(origin: string, username: string): string {
  return `${origin}/u/${username}`;
}

export function tagUrl(origin: string, tag: string): string {
  return `${origin}/tags/${encodeURIComponent(tag)}`;
}

interface Token {
  start: number;
  end: number;
  html: string;
}

const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const trailingPunctuation = /[.,;:!?*_~]+$/;

function linkLine(line: string, links: ContentLinks | undefined): string {
  const tokens: Token[] = [];
  for (const match of line.matchAll(urlPattern)) {
    const url = trimUrl(match[0]);
    if (!isHttpUrl(url)) continue;
    const href = escapeHtml(url);
    tokens.push({
      start: match.index,
      end: match.index + url.length,
      html: `<a href="${href}" rel="nofollow noopener noreferrer" target="_blank">${href}</a>`,
    });
  }
  if (links) {
    for (const match of line.matchAll(mentionPattern)) {
      const written = match[1]!;
      const username = written.toLowerCase();
      if (links.mentions && !links.mentions.has(username)) continue;
      tokens.push({
        start: match.index,
        end: match.index + match[0].length,
        html: `<span class="h-card" translate="no"><a href="${escapeHtml(profileUrl(links.origin, username))}" class="u-url mention">@<span>${escapeHtml(written)}</span></a></span>`,
      });
    }
    for (const match of line.matchAll(tagPattern)) {
      const written = match[1]!;
      const tag = written.toLowerCase();
      if (tag.length > TAG_MAX || (links.tags && !links.tags.has(tag))) continue;
      tokens.push({
        start: match.index,
        end: match.index + match[0].length,
        html: `<a href="${escapeHtml(tagUrl(links.origin, tag))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(written)}</span></a>`,
      });
    }
  }
  // The earliest token wins where two overlap (a URL's path may look like a tag or a mention to the patterns).
  tokens.sort((a, b) => a.start - b.start);
  let out = '';
  let last = 0;
  for (const token of tokens) {
    if (token.start < last) continue;
    out += escapeHtml(line.slice(last, token.start)) + token.html;
    last = token.end;
  }
  return out + escapeHtml(line.slice(last));
}

/** Drops sentence punctuation after a URL, and closing brackets that do not close one inside it. */
function trimUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    const trimmed = url.replace(trailingPunctuation, '');
    const close = trimmed.at(-1);
    const open = close === ')' ? '(' : close === ']' ? '[' : undefined;
    if (open && count(trimmed, open) < count(trimmed, close!)) url = trimmed.slice(0, -1);
    else if (trimmed === url) return url;
    else url = trimmed;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
