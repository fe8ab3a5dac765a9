import { invalid } from './errors.js';

/**
 * The mentions and hashtags in a post's text (or a bio). One definition,
 * used where a post is stored (which mentions notify, which tags index it)
 * and where text is shown (which words become links), so the two never
 * disagree about what counts.
 *
 * A mention is `@username` (3–30 of a-z, 0-9, _; any case) not preceded by
 * a word character, '@' or '/', and not followed by a word character or
 * '@' (so `me@example.com` and `@a@remote.example` are neither). A hashtag
 * is `#` then letters a-z, digits and '_' with at least one letter, not
 * preceded by a word character, '#', '/' or '&' (so `a#b`, `&#39;` and URL
 * fragments are not tags). Tags are compared and stored in lower case.
 * Tags are ASCII only: they are parts of store keys, whose characters are
 * limited (kv/keys.ts); a Unicode tag stays plain text.
 */

export const TAG_MAX = 100;
/** Each mention and each tag is a row (and a notification) in the post's one txn, which etcd caps at 128 operations. */
export const MENTIONS_MAX = 20;
export const TAGS_MAX = 20;

export const mentionPattern = /(?<![\w@/])@([A-Za-z0-9_]{3,30})(?![\w@])/g;
export const tagPattern = /(?<![\w#/&])#([A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*)(?!\w)/g;

/** Lower-cased usernames mentioned, in order of first mention, without repeats. */
export function extractMentions(text: string): string[] {
  return unique([...text.matchAll(mentionPattern)].map((match) => match[1]!.toLowerCase()));
}

/** Lower-cased tags, in order of first use, without repeats. */
export function extractTags(text: string): string[] {
  return unique([...text.matchAll(tagPattern)].map((match) => match[1]!.toLowerCase()));
}

/**
 * The tags and mentions a post's text may carry: `invalid` for a tag over
 * TAG_MAX characters or more than MENTIONS_MAX/TAGS_MAX of either. Which
 * mentioned usernames exist is the service's to check.
 */
export function parsePostEntities(text: string): { mentions: string[]; tags: string[] } {
  const mentions = extractMentions(text);
  const tags = extractTags(text);
  const long = tags.find((tag) => tag.length > TAG_MAX);
  if (long !== undefined) throw invalid(`A hashtag is at most ${TAG_MAX} characters (#${long.slice(0, 20)}… has ${long.length}).`, 'text');
  if (mentions.length > MENTIONS_MAX) throw invalid(`A post mentions at most ${MENTIONS_MAX} accounts.`, 'text');
  if (tags.length > TAGS_MAX) throw invalid(`A post has at most ${TAGS_MAX} hashtags.`, 'text');
  return { mentions, tags };
}

/** A tag from a path or query (`#` optional): lower-cased, or `invalid`. */
export function parseTag(input: unknown): string {
  if (typeof input !== 'string') throw invalid('A hashtag must be a string.', 'tag');
  const tag = input.replace(/^#/, '').toLowerCase();
  if (!/^[a-z0-9_]*[a-z][a-z0-9_]*$/.test(tag)) throw invalid('A hashtag is letters a-z, digits and _, with at least one letter.', 'tag');
  if (tag.length > TAG_MAX) throw invalid(`A hashtag is at most ${TAG_MAX} characters.`, 'tag');
  return tag;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
