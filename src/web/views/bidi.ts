import { html, type SafeHtml } from './html.js';

/**
 * Keeping user text's direction to itself. A name written right to left
 * would otherwise pull the neutral characters around it ("· 3 min ago",
 * "favourited your post") into its own direction, and text stored before
 * the text rule (domain/text-rules.ts, which refuses a direction control
 * left open) may hold an override that reverses whatever follows it. So
 * every piece of user text on a page is a bidi isolate:
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
