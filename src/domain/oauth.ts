import { invalid } from './errors.js';
import { checkText, excerpt, type TextRule } from './text-rules.js';

/**
 * OAuth 2 as Mastodon speaks it: the scopes it knows, the redirect URIs an
 * app may register, and the checks a granted scope list answers. Pure.
 */

export const APP_NAME_MAX = 100;
const appNameRule: TextRule = { subject: 'client_name', field: 'client_name', multiline: false, tabs: false };

/**
 * An app's name, shown on the authorization page and in Settings beside
 * the sessions it holds: trimmed, 1–100 code points on one line keeping
 * the text rule (text-rules.ts).
 */
export function parseAppName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : '';
  if (name === '') throw invalid('client_name is required.', 'client_name');
  checkText(name, appNameRule);
  if ([...name].length > APP_NAME_MAX) throw invalid(`client_name is at most ${APP_NAME_MAX} characters.`, 'client_name');
  return name;
}

/** Where a code is shown on the page instead of being sent to a redirect. */
export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';

export const TOP_SCOPES = ['read', 'write', 'follow', 'push', 'profile'] as const;
const READ_SCOPES = [
  'accounts',
  'blocks',
  'bookmarks',
  'favourites',
  'filters',
  'follows',
  'lists',
  'mutes',
  'notifications',
  'search',
  'statuses',
];
const WRITE_SCOPES = [
  'accounts',
  'blocks',
  'bookmarks',
  'conversations',
  'favourites',
  'filters',
  'follows',
  'lists',
  'media',
  'mutes',
  'notifications',
  'reports',
  'statuses',
];

/** Every scope Chorus accepts, for the discovery document. */
export const SUPPORTED_SCOPES: readonly string[] = Object.freeze([
  ...TOP_SCOPES,
  ...READ_SCOPES.map((s) => `read:${s}`),
  ...WRITE_SCOPES.map((s) => `write:${s}`),
]);

/** What an API route needs: a class (read, write, follow, push) or a granular scope of one. */
export type ScopeNeed = (typeof TOP_SCOPES)[number] | `read:${string}` | `write:${string}`;

const MAX_SCOPE_TEXT = 1024;

/**
 * A space-separated scope list (Mastodon also accepts '+' and ',' from
 * forms that encode badly), deduplicated, in the order given; `fallback`
 * when empty. `invalid` (field "scope") naming the first unknown scope.
 */
export function parseScopes(input: unknown, fallback = 'read'): string[] {
  if (input !== undefined && input !== null && typeof input !== 'string')
    throw invalid('scope must be a string of space-separated scopes.', 'scope');
  const text = typeof input === 'string' && input.trim() !== '' ? input : fallback;
  if (text.length > MAX_SCOPE_TEXT) throw invalid('scope is too long.', 'scope');
  const scopes: string[] = [];
  for (const scope of text.split(/[\s+,]+/).filter((s) => s !== '')) {
    if (!SUPPORTED_SCOPES.includes(scope)) {
      throw invalid(`Unknown scope "${excerpt(scope, 64)}"; use read, write, follow, push or read:*/write:* forms.`, 'scope');
    }
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  return scopes;
}

/** Whether one granted scope covers another (read covers read:statuses; follow covers the follow and block scopes). */
function covers(granted: string, wanted: string): boolean {
  if (granted === wanted) return true;
  if (wanted.startsWith(`${granted}:`)) return true;
  if (granted === 'follow')
    return ['read:follows', 'write:follows', 'read:blocks', 'write:blocks', 'read:mutes', 'write:mutes'].includes(wanted);
  return false;
}

/** Whether every wanted scope is covered by the granted ones (an app's registered scopes, a token's). */
export function scopesWithin(wanted: readonly string[], granted: readonly string[]): boolean {
  return wanted.every((w) => granted.some((g) => covers(g, w)));
}

/**
 * Whether a token granted `granted` may call a route that needs `need`.
 * A class (`read`) is satisfied by the class or any of its granular forms;
 * a granular scope by itself or its class; `follow` also by write:follows.
 */
export function scopeAllows(granted: readonly string[], need: ScopeNeed): boolean {
  if (need.includes(':')) return granted.some((g) => covers(g, need));
  if (need === 'follow') return granted.some((g) => g === 'follow' || g === 'write:follows');
  return granted.some((g) => g === need || g.startsWith(`${need}:`));
}

const MAX_REDIRECT_URIS = 16;
const MAX_REDIRECT_URI = 2000;

/**
 * One or more redirect URIs: an array, or a string with one per line.
 * Each is absolute (https, http, or an app's own scheme such as
 * com.example.app:/cb) with no fragment, or the out-of-band URN.
 * `invalid` (field "redirect_uris") otherwise.
 */
export function parseRedirectUris(input: unknown): string[] {
  const list = Array.isArray(input) ? input : typeof input === 'string' ? input.split(/\r?\n/) : undefined;
  const bad = (message: string) => invalid(message, 'redirect_uris');
  if (list === undefined) throw bad('redirect_uris is required: one URI, or several, one per line or as an array.');
  const uris: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') throw bad('redirect_uris must hold strings.');
    const uri = item.trim();
    if (uri === '') continue;
    if (uri.length > MAX_REDIRECT_URI) throw bad('A redirect URI is too long.');
    if (!isRedirectUri(uri)) throw bad(`"${excerpt(uri, 80)}" is not an absolute URI without a fragment.`);
    if (!uris.includes(uri)) uris.push(uri);
  }
  if (uris.length === 0) throw bad('redirect_uris is required: one URI, or several, one per line or as an array.');
  if (uris.length > MAX_REDIRECT_URIS) throw bad(`At most ${MAX_REDIRECT_URIS} redirect URIs.`);
  return uris;
}

function isRedirectUri(uri: string): boolean {
  if (uri === OOB_REDIRECT_URI) return true;
  if (!/^[a-z][a-z0-9+.-]*:[\x21-\x7e]+$/i.test(uri) || uri.includes('#')) return false;
  try {
    const url = new URL(uri);
    if (/^(javascript|data|vbscript|file):$/i.test(url.protocol)) return false;
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname === '') return false;
    return true;
  } catch {
    return false;
  }
}

/** A PKCE S256 challenge: 43 characters of base64url (the SHA-256 of the verifier). */
export function isS256Challenge(input: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(input);
}

/** A PKCE verifier as RFC 7636 allows it. */
export function isCodeVerifier(input: unknown): input is string {
  return typeof input === 'string' && /^[A-Za-z0-9._~-]{43,128}$/.test(input);
}
