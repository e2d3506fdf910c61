import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';

/**
 * Runs in the page, as source text: a transpiler's helpers (e.g. esbuild's `__name`) must not leak
 * into a function serialised into the browser.
 */
const PARSE_IN_PAGE = `(text) => {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const error = doc.getElementsByTagName('parsererror')[0];
  if (error) return { error: error.textContent || 'parse error' };
  const root = doc.documentElement;
  const records = (name) => [...root.children].filter((c) => c.tagName === name)
    .map((el) => Object.fromEntries([...el.children].map((c) => [c.tagName, c.textContent || ''])));
  const comments = [...root.childNodes].filter((n) => n.nodeType === Node.COMMENT_NODE).map((n) => n.data);
  return { root: root.tagName, myinfo: records('myinfo')[0] || {}, anime: records('anime'), manga: records('manga'), comments };
}`;

/** One parsed MAL XML file: each element's children as tag → text, and the root's comments. */
export interface ParsedMalXml {
  readonly root: string;
  readonly myinfo: Record<string, string>;
  readonly anime: Record<string, string>[];
  readonly manga: Record<string, string>[];
  readonly comments: string[];
}

/**
 * A strict XML 1.0 parser: Chromium's DOMParser (`application/xml`), which refuses any document
 * that is not well-formed (a bare `&`, `--` in a comment, a control character) instead of
 * guessing. The parse error is thrown with the parser's own message.
 */
export class XmlParser {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async start(): Promise<XmlParser> {
    const browser = await launchChromium();
    return new XmlParser(browser, await browser.newPage());
  }

  async parseMalXml(xml: string): Promise<ParsedMalXml> {
    const parsed = (await this.page.evaluate(`(${PARSE_IN_PAGE})(${JSON.stringify(xml)})`)) as
      | ParsedMalXml
      | { error: string };
    if ('error' in parsed) throw new Error(`not well-formed XML: ${parsed.error}`);
    return parsed;
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
