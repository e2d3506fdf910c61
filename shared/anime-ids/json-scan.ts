/**
 * A streaming scanner for one big JSON document whose root is an object or an array. It walks the bytes once,
 * tracking nesting and strings (escapes included), and hands over, as text, only the top-level values its
 * handler asks for: an object member's value, or each array element. Everything else is skipped without being
 * kept. Chunk boundaries may fall anywhere, also inside a multi-byte UTF-8 character: JSON's structural bytes
 * are ASCII and never occur inside a multi-byte sequence, so the scan works on bytes and a captured value is
 * decoded only once complete.
 *
 * Memory: the largest captured value (bounded by `maxValueBytes`) plus the current key.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const BOM = [0xef, 0xbb, 0xbf];

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export type JsonScanProblem = 'empty' | 'not_json' | 'syntax' | 'truncated';

/** The document is not well-formed JSON at the top level (or is cut short). Value contents are not checked here. */
export class JsonScanError extends Error {
  readonly problem: JsonScanProblem;
  constructor(problem: JsonScanProblem, message: string) {
    super(message);
    this.problem = problem;
    this.name = 'JsonScanError';
  }
}

export interface TopLevelHandler {
  /** Object root only: whether to capture this member's value (called once per key, in document order). */
  wantKey?(key: string): boolean;
  /** A captured value: its key (object root) or undefined (array element), and its JSON text. */
  value(key: string | undefined, text: string): void;
  /** A wanted value larger than `maxValueBytes`: skipped, not captured. */
  oversized?(key: string | undefined): void;
  /** Called once the root's first byte is seen. */
  root?(kind: 'object' | 'array'): void;
}

export interface ScanOptions {
  /** A wanted value larger than this is skipped (reported through `oversized`). Default 8 MiB. */
  readonly maxValueBytes?: number;
  /** Deepest nesting inside a value. Default 256. */
  readonly maxDepth?: number;
}

/** Scanner states (plain numbers: the hot loop switches on them). */
const S = {
  Start: 0,
  KeyOrEnd: 1,
  Key: 2,
  InKey: 3,
  Colon: 4,
  Value: 5,
  ElementOrEnd: 6,
  InNested: 7,
  InString: 8,
  InScalar: 9,
  AfterValue: 10,
  Done: 11,
} as const;
type State = (typeof S)[keyof typeof S];

class Bytes {
  buf = new Uint8Array(1024);
  length = 0;
  append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.length + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.length + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(src.subarray(start, end), this.length);
    this.length += n;
  }
  reset(): void {
    this.length = 0;
    // Do not keep a one-off huge buffer alive.
    if (this.buf.length > 1 << 20) this.buf = new Uint8Array(1024);
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export class TopLevelScanner {
  private state: State = S.Start;
  private rootKind: 'object' | 'array' | undefined;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly keyBytes = new Bytes();
  private readonly valueBytes = new Bytes();
  private key: string | undefined;
  private capture = false;
  private escape = false;
  private inString = false;
  private depth = 0;
  private stack = new Uint8Array(16);
  private offset = 0;
  private bom = 0;
  private readonly maxValueBytes: number;
  private readonly maxDepth: number;

  constructor(
    private readonly handler: TopLevelHandler,
    options: ScanOptions = {},
  ) {
    this.maxValueBytes = options.maxValueBytes ?? 8 * 1024 * 1024;
    this.maxDepth = options.maxDepth ?? 256;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset;
  }

  get root(): 'object' | 'array' | undefined {
    return this.rootKind;
  }

  write(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    // Where the value being captured starts in this chunk (0 when it started in an earlier one).
    let segment = 0;
    while (i < n) {
      const b = chunk[i]!;
      switch (this.state) {
        case S.Start: {
          if (isSpace(b)) {
            i++;
            continue;
          }
          // A UTF-8 byte order mark before the document (possibly split across chunks).
          const at = this.offset + i;
          if (at < 3 && at === this.bom && b === BOM[at]) {
            this.bom++;
            i++;
            continue;
          }
          if (b === LBRACE) {
            this.rootKind = 'object';
            this.state = S.KeyOrEnd;
          } else if (b === LBRACKET) {
            this.rootKind = 'array';
            this.state = S.ElementOrEnd;
          } else {
            throw new JsonScanError('not_json', `not a JSON object or array: it starts with ${describeByte(b)}`);
          }
          this.handler.root?.(this.rootKind);
          i++;
          continue;
        }
        case S.KeyOrEnd:
        case S.Key: {
          if (isSpace(b)) {
            i++;
            continue;
          }
          if (b === QUOTE) {
            this.keyBytes.reset();
            this.escape = false;
            this.state = S.InKey;
            i++;
            continue;
          }
          if (b === RBRACE && this.state === S.KeyOrEnd) {
            this.state = S.Done;
            i++;
            continue;
          }
          throw this.syntax(i, b, 'a member name');
        }
        case S.InKey: {
          let j = i;
          let closed = false;
          for (; j < n; j++) {
            const c = chunk[j]!;
            if (this.escape) this.escape = false;
            else if (c === BACKSLASH) this.escape = true;
            else if (c === QUOTE) {
              closed = true;
              break;
            }
          }
          this.keyBytes.append(chunk, i, j);
          if (this.keyBytes.length > 4096) throw new JsonScanError('syntax', 'a member name is longer than 4 KiB');
          if (closed) {
            this.key = this.decodeKey();
            this.state = S.Colon;
            i = j + 1;
          } else i = n;
          continue;
        }
        case S.Colon: {
          if (isSpace(b)) {
            i++;
            continue;
          }
          if (b !== COLON) throw this.syntax(i, b, '":"');
          this.state = S.Value;
          i++;
          continue;
        }
        case S.Value:
        case S.ElementOrEnd: {
          if (isSpace(b)) {
            i++;
            continue;
          }
          if (b === RBRACKET && this.state === S.ElementOrEnd) {
            this.state = S.Done;
            i++;
            continue;
          }
          const key = this.rootKind === 'object' ? this.key : undefined;
          this.capture = this.rootKind === 'array' ? true : (this.handler.wantKey?.(key!) ?? false);
          this.valueBytes.reset();
          segment = i;
          if (b === LBRACE || b === LBRACKET) {
            this.depth = 1;
            this.stack[0] = b;
            this.inString = false;
            this.escape = false;
            this.state = S.InNested;
          } else if (b === QUOTE) {
            this.escape = false;
            this.state = S.InString;
          } else if (b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e) {
            this.state = S.InScalar;
          } else throw this.syntax(i, b, 'a value');
          i++;
          // The value's first byte ends the chunk: keep it now, the next chunk continues from its start.
          if (i === n) this.keep(chunk, segment, n);
          continue;
        }
        case S.InNested: {
          let j = i;
          let closed = false;
          for (; j < n; j++) {
            const c = chunk[j]!;
            if (this.inString) {
              if (this.escape) this.escape = false;
              else if (c === BACKSLASH) this.escape = true;
              else if (c === QUOTE) this.inString = false;
              continue;
            }
            if (c === QUOTE) this.inString = true;
            else if (c === LBRACE || c === LBRACKET) {
              if (this.depth >= this.maxDepth)
                throw new JsonScanError('syntax', `nesting deeper than ${this.maxDepth}`);
              if (this.depth === this.stack.length) {
                const next = new Uint8Array(this.stack.length * 2);
                next.set(this.stack);
                this.stack = next;
              }
              this.stack[this.depth++] = c;
            } else if (c === RBRACE || c === RBRACKET) {
              const open = this.stack[--this.depth];
              if ((c === RBRACE) !== (open === LBRACE)) throw this.syntax(j, c, 'a matching bracket');
              if (this.depth === 0) {
                closed = true;
                break;
              }
            }
          }
          if (closed) {
            this.keep(chunk, segment, j + 1);
            this.finishValue();
            i = j + 1;
          } else {
            this.keep(chunk, segment, n);
            i = n;
          }
          continue;
        }
        case S.InString: {
          let j = i;
          let closed = false;
          for (; j < n; j++) {
            const c = chunk[j]!;
            if (this.escape) this.escape = false;
            else if (c === BACKSLASH) this.escape = true;
            else if (c === QUOTE) {
              closed = true;
              break;
            }
          }
          if (closed) {
            this.keep(chunk, segment, j + 1);
            this.finishValue();
            i = j + 1;
          } else {
            this.keep(chunk, segment, n);
            i = n;
          }
          continue;
        }
        case S.InScalar: {
          let j = i;
          while (j < n) {
            const c = chunk[j]!;
            if (isSpace(c) || c === COMMA || c === RBRACE || c === RBRACKET) break;
            j++;
          }
          this.keep(chunk, segment, j);
          if (j < n) this.finishValue();
          i = j;
          continue;
        }
        case S.AfterValue: {
          if (isSpace(b)) {
            i++;
            continue;
          }
          if (b === COMMA) this.state = this.rootKind === 'object' ? S.Key : S.Value;
          else if (b === (this.rootKind === 'object' ? RBRACE : RBRACKET)) this.state = S.Done;
          else throw this.syntax(i, b, this.rootKind === 'object' ? '"," or "}"' : '"," or "]"');
          i++;
          continue;
        }
        case S.Done: {
          if (isSpace(b)) {
            i++;
            continue;
          }
          throw this.syntax(i, b, 'the end of the document');
        }
      }
    }
    this.offset += n;
  }

  /** The document must be complete. */
  end(): void {
    if (this.state === S.Done) return;
    if (this.state === S.Start) throw new JsonScanError('empty', 'the document is empty');
    throw new JsonScanError('truncated', `the document ends early, after ${this.offset} bytes`);
  }

  private keep(chunk: Uint8Array, start: number, end: number): void {
    if (!this.capture) return;
    if (this.valueBytes.length + (end - start) > this.maxValueBytes) {
      this.capture = false;
      this.valueBytes.reset();
      this.handler.oversized?.(this.rootKind === 'object' ? this.key : undefined);
      return;
    }
    this.valueBytes.append(chunk, start, end);
  }

  private finishValue(): void {
    this.state = S.AfterValue;
    if (!this.capture) return;
    this.capture = false;
    const text = this.decoder.decode(this.valueBytes.view());
    this.valueBytes.reset();
    this.handler.value(this.rootKind === 'object' ? this.key : undefined, text);
  }

  private decodeKey(): string {
    const raw = this.decoder.decode(this.keyBytes.view());
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new JsonScanError('syntax', 'a member name has an invalid escape');
    }
  }

  private syntax(index: number, b: number, expected: string): JsonScanError {
    return new JsonScanError('syntax', `expected ${expected} at byte ${this.offset + index}, found ${describeByte(b)}`);
  }
}

function describeByte(b: number): string {
  if (b >= 0x21 && b <= 0x7e) return `"${String.fromCharCode(b)}"`;
  return `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/** `[key, value]` pairs of an object, in document order (duplicates kept). */
export type Entries = [string, unknown][];

/**
 * Parses `{"<key>": {"<key>": "<string>" | null, …}, …}` (anibridge's value shape) into entries, without
 * creating objects keyed by the data's names. `JSON.parse` gives every distinct set of keys its own hidden
 * class, and a mapping file has hundreds of thousands of distinct keys: parsing that way is several times
 * slower and leaves the engine's shape tables grown. Undefined when the text has another shape (the caller
 * then falls back on `JSON.parse`); whitespace and string escapes are handled.
 */
export function parseTwoLevel(text: string): [string, Entries][] | undefined {
  const n = text.length;
  let i = 0;
  const space = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const string = (): string | undefined => {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const start = ++i;
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else if (c === QUOTE) break;
      else i++;
    }
    if (i >= n) return undefined;
    const raw = text.slice(start, i++);
    if (!escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return undefined;
    }
  };
  /** After a member: true at `,`, false at the closing brace, undefined otherwise. */
  const more = (): boolean | undefined => {
    space();
    const c = text.charCodeAt(i++);
    return c === COMMA ? true : c === RBRACE ? false : undefined;
  };
  const member = (): string | undefined => {
    space();
    const key = string();
    space();
    if (key === undefined || text.charCodeAt(i++) !== COLON) return undefined;
    space();
    return key;
  };
  const out: [string, Entries][] = [];
  space();
  if (text.charCodeAt(i++) !== LBRACE) return undefined;
  space();
  let go: boolean | undefined = text.charCodeAt(i) !== RBRACE;
  if (!go) i++;
  while (go) {
    const key = member();
    if (key === undefined || text.charCodeAt(i++) !== LBRACE) return undefined;
    const inner: Entries = [];
    space();
    let innerGo: boolean | undefined = text.charCodeAt(i) !== RBRACE;
    if (!innerGo) i++;
    while (innerGo) {
      const k = member();
      if (k === undefined) return undefined;
      let v: string | null | undefined;
      if (text.startsWith('null', i)) {
        v = null;
        i += 4;
      } else v = string();
      if (v === undefined) return undefined;
      inner.push([k, v]);
      innerGo = more();
      if (innerGo === undefined) return undefined;
    }
    out.push([key, inner]);
    go = more();
    if (go === undefined) return undefined;
  }
  space();
  return i === n ? out : undefined;
}
