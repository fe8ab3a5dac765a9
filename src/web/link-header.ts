/**
 * The Link header of a Mastodon list (docs.joinmastodon.org/api/guidelines,
 * "Paginating with the Link header"): `next` asks for what is older than the
 * page's last item (max_id), `prev` for what is newer than its first
 * (min_id). The URLs are absolute because masto.js and others follow them
 * without a base. Every other query parameter is kept as it came,
 * repeated Rails-style arrays (`types[]=a&types[]=b`) included; the three
 * id parameters are replaced.
 *
 * `requestUrl` is the absolute URL of the request being answered (origin
 * plus path and query). Returns undefined when there is neither link.
 */
export function linkHeader(requestUrl: string, links: { next?: string | undefined; prev?: string | undefined }): string | undefined {
  const parts: string[] = [];
  if (links.next !== undefined) parts.push(`<${pageUrl(requestUrl, 'max_id', links.next)}>; rel="next"`);
  if (links.prev !== undefined) parts.push(`<${pageUrl(requestUrl, 'min_id', links.prev)}>; rel="prev"`);
  return parts.length === 0 ? undefined : parts.join(', ');
}

const ID_PARAMS = ['max_id', 'since_id', 'min_id'];

/** Edits the query text rather than re-serialising it, so the parameters kept stay byte for byte as the client sent them. */
function pageUrl(requestUrl: string, name: string, id: string): string {
  const url = new URL(requestUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Not an http(s) URL: ${requestUrl}`);
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !ID_PARAMS.includes(paramName(pair)));
  kept.push(`${name}=${encodeURIComponent(id)}`);
  url.search = kept.join('&');
  url.hash = '';
  return url.href;
}

function paramName(pair: string): string {
  const raw = pair.split('=', 1)[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
