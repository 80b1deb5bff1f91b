// The JSON nesting guard (platform.md §4.3 `max_json_depth`): decided on the text, before JSON.parse builds
// anything. JSC's JSON.parse itself takes 100 000 levels, but every recursive walk after it (JSON.stringify on a
// cross-protocol hop, the readers) then dies with a RangeError deep in the request path.

const OPEN_OBJ = 0x7b; // {
const OPEN_ARR = 0x5b; // [
const CLOSE_OBJ = 0x7d; // }
const CLOSE_ARR = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when `text` nests objects and arrays more than `max` levels deep (`{}` is one level). Malformed text is
 * judged the same way: it fails to parse later anyway, so only the depth matters here.
 *
 * Depth can never exceed the number of openers, so openers are counted first with native indexOf hops (each stops
 * once past `max`): a typical chat body has a handful and costs ~0.1 µs. Only a body with more than `max` openers
 * (a long agent transcript, or an attack) gets the real scan, which skips string contents natively as well.
 */
export function deeperThan(text: string, max: number): boolean {
  let openers = 0;
  for (let i = text.indexOf("{"); i >= 0 && openers <= max; i = text.indexOf("{", i + 1)) openers++;
  for (let i = text.indexOf("["); i >= 0 && openers <= max; i = text.indexOf("[", i + 1)) openers++;
  return openers > max && scan(text, max);
}

function scan(text: string, max: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      depth--;
    } else if (c === QUOTE) {
      i = stringEnd(text, i);
    }
  }
  return false;
}

/** Index of the quote closing the string opened at `open` (text.length when unterminated). */
function stringEnd(text: string, open: number): number {
  for (let j = open + 1; ;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let b = q - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q; // an even run of backslashes: the quote is not escaped
    j = q + 1;
  }
}
