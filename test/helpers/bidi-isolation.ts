/**
 * Finds user text a page shows without bidi isolation. The pages isolate
 * every piece of user text (src/web/views/bidi.ts): in `<bdi>` or an
 * element with `dir="auto"`, as a form control's value (`<input value>`,
 * `<textarea>`), or in the `<title>` between FSI and PDI with no
 * directional control inside. Anything matching `marker` (a
 * directional control, a right-to-left letter the test wrote) found
 * anywhere else could reorder the page around it.
 *
 * The tokenizer reads only Chorus's own markup, in which every `<` of
 * text is escaped.
 */

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
/** Text between FSI and PDI that holds no directional control of its own. */
const plainIsolate = /\u2068[^\u202a-\u202e\u2066-\u2069]*\u2069/g;

interface Open {
  tag: string;
  isolates: boolean;
}

/** Each place `marker` appears outside an isolate, with its surroundings; empty when the page is safe. */
export function unisolated(page: string, marker: RegExp): string[] {
  const found: string[] = [];
  const open: Open[] = [];
  for (const token of page.split(/(<[^>]*>)/)) {
    const tag = /^<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>$/.exec(token);
    if (tag) {
      const [, closing, rawName, attributes] = tag;
      const name = rawName!.toLowerCase();
      const outsideValue = attributes!.replace(name === 'input' ? /\svalue="[^"]*"/ : /$^/, '');
      if (marker.test(outsideValue)) found.push(`in an attribute: ${token}`);
      if (closing) {
        const at = open.map((element) => element.tag).lastIndexOf(name);
        if (at >= 0) open.length = at;
      } else if (!VOID.has(name)) {
        open.push({ tag: name, isolates: name === 'bdi' || name === 'textarea' || /\sdir="auto"/.test(attributes!) });
      }
      continue;
    }
    if (open.at(-1)?.tag === 'title') {
      const rest = token.replace(plainIsolate, '');
      if (marker.test(rest) || CONTROLS.test(rest)) found.push(`in the title: ${token}`);
    } else if (marker.test(token) && !open.some((element) => element.isolates)) {
      found.push(`in <${open.map((element) => element.tag).join('><')}>: ${token.trim().slice(0, 80)}`);
    }
  }
  return found;
}
