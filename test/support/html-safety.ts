import { escapeHtml } from '../../shared/mail/html';

/** Every element and attribute the callback pages' templates use (shared/auth/pages.ts). */
const PAGE_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'main',
  'div',
  'h1',
  'p',
  'code',
  'strong',
  'span',
]);
const PAGE_ATTRIBUTES = new Set(['lang', 'charset', 'name', 'content', 'class', 'aria-hidden']);

/**
 * Asserts that a callback page contains only the templates' own markup: no element or attribute
 * outside the templates' vocabulary, no event handler, no unquoted or single-quoted attribute (a
 * sign of an attribute broken open by input). Comments and the doctype are the only other `<`.
 */
export function expectNoInjectedMarkup(body: string): void {
  const withoutStyle = body.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  for (const match of withoutStyle.matchAll(/<(\/?)([^\s>/!]+)([^>]*)>/g)) {
    const tag = match[2]!.toLowerCase();
    expect({ tag, allowed: PAGE_TAGS.has(tag) }).toEqual({ tag, allowed: true });
    const attributes = match[3]!.trim();
    if (match[1] === '/' || attributes === '') continue;
    // Attributes must be name="value" pairs (or a bare name), nothing else.
    const rest = attributes.replace(/([a-zA-Z-]+)(="[^"<>]*")?/g, (_all, name: string) => {
      expect({ tag, attribute: name, allowed: PAGE_ATTRIBUTES.has(name.toLowerCase()) }).toEqual({
        tag,
        attribute: name,
        allowed: true,
      });
      return '';
    });
    expect({ tag, leftover: rest.trim() }).toEqual({ tag, leftover: '' });
  }
  // Belt and braces: raw tags that input typically tries to smuggle in (their escaped text is harmless).
  expect(body).not.toMatch(/<script|<img|<svg|<iframe|<a\s|<form|<input/i);
  // Nor text that reorders what the reader sees (bidi embeddings, overrides and isolates).
  expect(body).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
}

/**
 * Asserts that `payload` (input the request carried) never appears raw, and, when the page is
 * expected to show it, that it appears HTML-escaped.
 */
export function expectEscapedEcho(body: string, payload: string, shown: boolean): void {
  if (/[<>"'&]/.test(payload)) expect(body).not.toContain(payload);
  if (shown) expect(body).toContain(escapeHtml(payload));
  else expect(body).not.toContain(escapeHtml(payload));
}
