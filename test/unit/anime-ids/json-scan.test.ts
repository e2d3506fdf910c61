import { JsonScanError, parseTwoLevel, TopLevelScanner } from '../../../shared/anime-ids/json-scan';

const encode = (text: string) => new TextEncoder().encode(text);

/** Scans `bytes` cut into the given chunks; returns what the handler saw. */
function scan(chunks: readonly Uint8Array[], want: (key: string) => boolean = () => true) {
  const seen: [string | undefined, string][] = [];
  const asked: string[] = [];
  const oversized: (string | undefined)[] = [];
  const scanner = new TopLevelScanner(
    {
      wantKey: (key) => {
        asked.push(key);
        return want(key);
      },
      value: (key, text) => seen.push([key, text]),
      oversized: (key) => oversized.push(key),
    },
    { maxValueBytes: 64 },
  );
  for (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return { seen, asked, oversized, root: scanner.root };
}

function splitAt(bytes: Uint8Array, ...cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.slice(from, cut));
    from = cut;
  }
  return out;
}

// Escaped quotes and backslashes, brackets and braces inside strings, multi-byte characters (2, 3 and 4 bytes)
// in keys and values, nested arrays, every kind of scalar, insignificant whitespace everywhere.
const TRICKY = [
  '\ufeff {',
  ' "$meta" : {"schema_version":"3.0.0","note":"a \\"quoted\\" }{ ][ \\\\"} ,',
  '"anilist:1":{"tmdb_show:1:s1":{"1-3":"1-3"},"x":["}","]",{"y":"\\\\\\""}]},',
  '"skip:é日本":{"deep":[[[{"a":"🎉"}]]],"s":"{\\"not\\":\\"real\\"}"},',
  '"num":-12.5e3,"t":true,"f":false,"n":null,"str":"caf\u00e9 \\u00e9 🎉",',
  '"anilist:2" :\n\t{ "mal:2" : { "1" : "1" } }',
  '}\n',
].join('');

describe('TopLevelScanner', () => {
  const whole = scan([encode(TRICKY)], (key) => !key.startsWith('skip'));

  test('captures exactly the wanted values, as their own text', () => {
    expect(whole.root).toBe('object');
    expect(whole.asked).toEqual(['$meta', 'anilist:1', 'skip:é日本', 'num', 't', 'f', 'n', 'str', 'anilist:2']);
    const values = Object.fromEntries(whole.seen.map(([k, text]) => [k, JSON.parse(text)]));
    expect(values).toEqual({
      $meta: { schema_version: '3.0.0', note: 'a "quoted" }{ ][ \\' },
      'anilist:1': { 'tmdb_show:1:s1': { '1-3': '1-3' }, x: ['}', ']', { y: '\\"' }] },
      num: -12500,
      t: true,
      f: false,
      n: null,
      str: 'café é 🎉',
      'anilist:2': { 'mal:2': { '1': '1' } },
    });
  });

  test('every single chunk boundary gives the same result (multi-byte characters and escapes split too)', () => {
    const bytes = encode(TRICKY);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect([cut, scan(splitAt(bytes, cut), (key) => !key.startsWith('skip'))]).toEqual([cut, whole]);
    }
  });

  test('two boundaries anywhere, and one byte at a time', () => {
    const bytes = encode(TRICKY);
    for (let a = 0; a <= bytes.length; a += 3) {
      for (let b = a; b <= bytes.length; b += 5) {
        expect(scan(splitAt(bytes, a, b), (key) => !key.startsWith('skip'))).toEqual(whole);
      }
    }
    const single = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(scan(single, (key) => !key.startsWith('skip'))).toEqual(whole);
  });

  test('a key with escapes is decoded', () => {
    const { asked } = scan([encode('{"a\\"b\\u00e9":1}')]);
    expect(asked).toEqual(['a"bé']);
  });

  test('array roots hand over every element', () => {
    const { seen, root } = scan([encode(' [ {"a":1}, "two", 3, [4] ,null] ')]);
    expect(root).toBe('array');
    expect(seen.map(([, text]) => JSON.parse(text))).toEqual([{ a: 1 }, 'two', 3, [4], null]);
    expect(scan([encode('[]')]).seen).toEqual([]);
    expect(scan([encode('{}')]).seen).toEqual([]);
  });

  test('a wanted value over the size limit is skipped and reported, the scan goes on', () => {
    const big = `{"big":{"x":"${'y'.repeat(100)}"},"small":{"z":1}}`;
    for (const cut of [5, 20, 60, 90]) {
      const result = scan(splitAt(encode(big), cut));
      expect(result.oversized).toEqual(['big']);
      expect(result.seen).toEqual([['small', '{"z":1}']]);
    }
  });

  test.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['<!DOCTYPE html><html>', 'not_json'],
    ['"just a string"', 'not_json'],
    ['{"a":{"b":[1,2}}}', 'syntax'],
    ['{"a":1 "b":2}', 'syntax'],
    ['{"a":1,}', 'syntax'],
    ['{"a" 1}', 'syntax'],
    ['{"a":1} x', 'syntax'],
    ['{"a":@}', 'syntax'],
    ['{"a":{"b":"c"', 'truncated'],
    ['{"a":"unterminated', 'truncated'],
    ['{"a":12', 'truncated'],
    ['{"a"', 'truncated'],
    ['[1,2', 'truncated'],
  ])('%j is rejected as %s', (text, problem) => {
    let error: unknown;
    try {
      scan([encode(text)]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JsonScanError);
    expect((error as JsonScanError).problem).toBe(problem);
  });

  test('nesting deeper than the limit is an error, not a stack overflow', () => {
    const scanner = new TopLevelScanner({ value: () => {} }, { maxDepth: 10 });
    expect(() => scanner.write(encode(`{"a":${'['.repeat(20)}`))).toThrow(/nesting deeper than 10/);
  });
});

describe('parseTwoLevel', () => {
  test('reads the anibridge value shape in document order, whitespace, escapes, nulls and duplicates included', () => {
    expect(parseTwoLevel('{"mal:1":{"1-3":"1-3"},"tmdb_show:2:s1":{"12":null,"1-11":"1-11"}}')).toEqual([
      ['mal:1', [['1-3', '1-3']]],
      [
        'tmdb_show:2:s1',
        [
          ['12', null],
          ['1-11', '1-11'],
        ],
      ],
    ]);
    expect(parseTwoLevel(' {\n "a\\"b" : { "x\\u00e9" : "y" , "z":null } ,"c":{} }\n')).toEqual([
      [
        'a"b',
        [
          ['xé', 'y'],
          ['z', null],
        ],
      ],
      ['c', []],
    ]);
    expect(parseTwoLevel('{}')).toEqual([]);
    expect(parseTwoLevel('{"a":{"1":"1"},"a":{"2":"2"}}')).toEqual([
      ['a', [['1', '1']]],
      ['a', [['2', '2']]],
    ]);
  });

  test.each([
    '[]',
    '{"a":1}',
    '{"a":{"1":1}}',
    '{"a":{"1":["x"]}}',
    '{"a":{"1":"1"}',
    '{"a":{"1":"1"}} x',
    '{"a":{"1":"1",}}',
    '{"a" {"1":"1"}}',
    '{"a":{"1":"\\q"}}',
    '{"a":{"1":nul}}',
  ])('anything else is undefined: %j', (text) => {
    expect(parseTwoLevel(text)).toBeUndefined();
  });
});
