import { mentionPattern, TAG_MAX, tagPattern } from '../../domain/text.js';
import { html, type SafeHtml } from './html.js';

/**
 * A post's text or a bio as HTML: every character escaped, and the web
 * links, mentions and hashtags in it made links. Mentions and tags are
 * found by domain/text.ts's own patterns, so a word is a link exactly when
 * the service indexed (or would index) it.
 */

export interface RichTextOptions {
  /**
   * The usernames that may be linked, lower case: a post's `mentions` (the
   * accounts that existed when it was written). Absent links every mention
   * (a bio, whose mentions are not resolved when saved).
   */
  mentions?: readonly string[];
}

interface Token {
  start: number;
  end: number;
  html: SafeHtml;
}

/** http(s) URLs up to whitespace or a character that cannot be in one unescaped. */
const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Sentence punctuation that ends a URL rather than belonging to it. */
const trailingPunctuation = /[.,;:!?)\]}]+$/;
const URL_SHOWN_MAX = 40;

function urlTokens(text: string): Token[] {
  return [...text.matchAll(urlPattern)].map((match) => {
    const url = match[0].replace(trailingPunctuation, '');
    const shown = url.replace(/^https?:\/\//i, '');
    const label = [...shown].length > URL_SHOWN_MAX ? `${[...shown].slice(0, URL_SHOWN_MAX - 1).join('')}…` : shown;
    return {
      start: match.index,
      end: match.index + url.length,
      html: html`<a href="${url}" rel="nofollow noopener noreferrer ugc" class="link">${label}</a>`,
    };
  });
}

function mentionTokens(text: string, allowed: ReadonlySet<string> | undefined): Token[] {
  return [...text.matchAll(mentionPattern)]
    .filter((match) => allowed === undefined || allowed.has(match[1]!.toLowerCase()))
    .map((match) => ({
      start: match.index,
      end: match.index + match[0].length,
      html: html`<a href="/u/${match[1]!.toLowerCase()}" class="mention">${match[0]}</a>`,
    }));
}

function tagTokens(text: string): Token[] {
  return [...text.matchAll(tagPattern)]
    .filter((match) => match[1]!.length <= TAG_MAX)
    .map((match) => ({
      start: match.index,
      end: match.index + match[0].length,
      html: html`<a href="/tags/${match[1]!.toLowerCase()}" class="hashtag">${match[0]}</a>`,
    }));
}

export function richText(text: string, options: RichTextOptions = {}): SafeHtml {
  const allowed = options.mentions && new Set(options.mentions);
  // URLs first: a `#fragment` or `@user` inside a link belongs to the link.
  const candidates = [...urlTokens(text), ...mentionTokens(text, allowed), ...tagTokens(text)];
  const tokens: Token[] = [];
  for (const token of candidates) {
    if (!tokens.some((kept) => token.start < kept.end && kept.start < token.end)) tokens.push(token);
  }
  tokens.sort((a, b) => a.start - b.start);
  const parts: (string | SafeHtml)[] = [];
  let at = 0;
  for (const token of tokens) {
    parts.push(text.slice(at, token.start), token.html);
    at = token.end;
  }
  parts.push(text.slice(at));
  return html`${parts}`;
}
