/**
 * Text from AniList, MyAnimeList or Trakt (titles, user names, error messages) is chosen by
 * whoever wrote it. Printed raw, an escape sequence in it can clear the screen, move the cursor,
 * retitle the window, plant a hyperlink, or answer back to the terminal; a bidi control can make
 * a line read differently from what it says. These helpers keep such text inert.
 */

// biome-ignore-start lint/suspicious/noControlCharactersInRegex: matching control characters is the point
/**
 * Whole escape sequences, so that their parameters do not litter the output: CSI (`ESC [` or
 * 8-bit `0x9b`, parameters, final byte); OSC, DCS, SOS, PM and APC strings up to their terminator
 * (BEL or ST), or up to the next control character or line end when unterminated; any other `ESC x`.
 */
const ESCAPE_SEQUENCES =
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -~]?/g;
/** Every other C0 control but line feed and tab, DEL, C1 controls, and the Unicode line and paragraph separators. */
const CONTROL_CHARACTERS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g;
/** Bidi embeddings, overrides and isolates (the marks LRM, RLM and ALM stay: they reorder nothing on their own). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal acts on or reorders. */
const RAW_IN_JSON = /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore-end lint/suspicious/noControlCharactersInRegex: matching control characters is the point

/** `text` without escape sequences, control characters (line feeds and tabs stay) or bidi controls. */
export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROL_CHARACTERS, '').replace(BIDI_CONTROLS, '');
}

/**
 * A JSON text with the characters JSON.stringify leaves raw (DEL, C1 controls, line separators,
 * bidi controls) written as `\u` escapes: the same JSON value, safe to print. The other control
 * characters JSON always escapes; these can only occur inside strings, so the result stays valid.
 */
export function escapeRawInJson(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
