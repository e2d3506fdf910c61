import { escapeHtml, formatUtc, html } from '../../../shared/mail/html';
import { renderReauthEmail } from '../../../shared/mail/reauth-email';

const url = 'https://myanimelist.net/v1/oauth2/authorize?response_type=code&client_id=c&state=S1&code_challenge=C1';
const expiresAt = new Date(Date.UTC(2026, 0, 8, 14, 30));

describe('renderReauthEmail', () => {
  it('contains the link and the absolute UTC expiry in both parts', () => {
    const mail = renderReauthEmail({ authorizeUrl: url, expiresAt, reason: 'refresh_token_expiring' });
    expect(mail.text).toContain(url);
    expect(mail.text).toContain('Thursday, 8 January 2026, 14:30 UTC');
    // In HTML the & of the query string is escaped, inside and outside the href.
    expect(mail.html).toContain(`href="${url.replace(/&/g, '&amp;')}"`);
    expect(mail.html).toContain('Thursday, 8 January 2026, 14:30 UTC');
    expect(mail.subject).toMatch(/please re-authorize$/);
    expect(mail.html).toContain('>Re-authorize MyAnimeList</a>');
  });

  it('asks to authorize, not re-authorize, when MyAnimeList was never connected', () => {
    const mail = renderReauthEmail({ authorizeUrl: url, expiresAt, reason: 'no_tokens' });
    expect(mail.subject).toMatch(/please authorize$/);
    expect(mail.html).toContain('>Authorize MyAnimeList</a>');
    expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/re-authori/i);
  });

  it.each([
    ['no_tokens', /not connected/i],
    ['invalid_grant', /rejected the stored authorization/i],
    ['refresh_token_expiring', /ends soon/i],
    ['user_mismatch', /different MyAnimeList account/i],
  ] as const)('explains the reason %s in plain words', (reason, words) => {
    const mail = renderReauthEmail({ authorizeUrl: url, expiresAt, reason });
    expect(mail.text).toMatch(words);
    expect(mail.html).toMatch(words);
  });

  it('escapes interpolated values in HTML', () => {
    const mail = renderReauthEmail({
      authorizeUrl: 'https://example.test/?q="><script>alert(1)</script>',
      expiresAt,
      reason: 'no_tokens',
      malUser: '<img src=x onerror=alert(1)>',
      appName: 'Mirror <b>',
    });
    expect(mail.html).not.toMatch(/<script|<img|<b>/);
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('Mirror &lt;b&gt;');
  });

  it('refuses non-http links', () => {
    expect(() => renderReauthEmail({ authorizeUrl: 'javascript:alert(1)', expiresAt, reason: 'no_tokens' })).toThrow(
      /non-http/,
    );
  });

  it('keeps the subject on one line', () => {
    const mail = renderReauthEmail({ authorizeUrl: url, expiresAt, reason: 'no_tokens', appName: 'A\r\nBcc: x@y' });
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});

describe('html helpers', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('escapes interpolations but not nested html fragments', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${'<x>'}</p>`.value).toBe('<p><b>&lt;i&gt;</b>&lt;x&gt;</p>');
  });

  it('formats dates in UTC, zero-padded', () => {
    expect(formatUtc(new Date(Date.UTC(2026, 1, 28, 3, 5)))).toBe('Saturday, 28 February 2026, 03:05 UTC');
  });
});
