import { html, type SafeHtml } from './html.js';

/**
 * Keeping user text's direction to itself. People may write right-to-left
 * overrides and embeddings (U+202A–U+202E, U+2066–U+2069; the text rule
 * keeps them, as real mixed-direction writing needs them), and a name
 * written right to left would otherwise pull the neutral characters
 * around it ("· 3 min ago", "favourited your post") into its own
 * direction. So every piece of user text on a page is a bidi isolate:
 * inline names in `<bdi>`, text blocks (a post, a bio) with `dir="auto"`
 * (which also isolates and takes the text's own direction). Inside an
 * isolate, an override left open ends where the element ends (the Unicode
 * bidirectional algorithm closes it at the isolate's boundary); the page
 * around it reads as written.
 */

/** A name (or other short user text) inside one of our sentences or headings. */
export function isolated(text: string): SafeHtml {
  return html`<bdi>${text}</bdi>`;
}

/** Explicit directional formatting characters: embeddings, overrides and isolates, with their terminators. */
const bidiControls = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * The same for plain text that cannot hold markup (the page's `<title>`):
 * the text between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE. Its
 * own directional controls are dropped first, since an isolate initiator
 * inside it would pair with our closing PDI and leave ours open.
 */
export function isolatedPlain(text: string): string {
  return `\u2068${text.replace(bidiControls, '')}\u2069`;
}
