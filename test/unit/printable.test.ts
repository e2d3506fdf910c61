import { createJsonLogger } from '../../shared/log';
import { escapeRawInJson, printable } from '../../shared/text/printable';

/* What a hostile AniList title could carry, and what the terminal gets instead. */
describe('printable', () => {
  test.each([
    ['clear screen and cursor home (CSI)', 'A\x1b[2J\x1b[HB', 'AB'],
    ['colours (SGR)', '\x1b[31;1mred\x1b[0m', 'red'],
    ['private-mode CSI (hide the cursor)', 'a\x1b[?25lb', 'ab'],
    ['8-bit CSI', 'a\x9b2Jb', 'ab'],
    ['window title (OSC, BEL)', '\x1b]0;pwned\x07title', 'title'],
    ['hyperlink (OSC 8, ST)', '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['an unterminated OSC stops at the line end', 'a\x1b]0;rest\nnext', 'a\nnext'],
    ['DCS string', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['two-character ESC (reset)', 'a\x1bcb', 'ab'],
    ['a lone ESC at the end', 'a\x1b', 'a'],
    ['carriage return (overwrites the line)', 'safe\rEVIL', 'safeEVIL'],
    ['backspace, bell, NUL, DEL', 'a\b\x07\x00\x7fb', 'ab'],
    ['bidi override and isolate', '\u202eevil\u202c \u2066x\u2069', 'evil x'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'abc'],
  ])('removes %s', (_name, input, output) => {
    expect(printable(input)).toBe(output);
  });

  test('keeps line feeds, tabs and every ordinary character, CJK, emoji and RTL text included', () => {
    const text = 'One Piece\tワンピース 🏴‍☠️\nשלום \u200fعربى · “quoted” — ok';
    expect(printable(text)).toBe(text);
  });
});

describe('escapeRawInJson', () => {
  test('escapes what JSON.stringify leaves raw, keeping the JSON value', () => {
    const value = { title: 'a\x1b[2Jb\x9b\u202e\u2028c' };
    const json = escapeRawInJson(JSON.stringify(value));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(json).toBe('{"title":"a\\u001b[2Jb\\u009b\\u202e\\u2028c"}');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('the JSON logger', () => {
  test('writes no raw control or bidi character, whatever a field holds', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(line) });
    const title = 'One \x1b[2JPiece \x9b2J \u202eevil\u2028';
    logger.warn(`skipped ${title}`, { title });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    expect(lines[0]).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: `skipped ${title}`, title });
  });
});
