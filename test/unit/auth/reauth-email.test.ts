import { escapeHtml, formatUtc, html } from '../../../shared/mail/html';
import { type ReauthLink, renderReauthEmail } from '../../../shared/mail/reauth-email';

const url = 'https://myanimelist.net/v1/oauth2/authorize?response_type=code&client_id=c&state=S1&code_challenge=C1';
const expiresAt = new Date(Date.UTC(2026, 0, 8, 14, 30));

/** An email with one link: MyAnimeList's. */
function malEmail(link: Omit<ReauthLink, 'label'>, appName?: string) {
  return renderReauthEmail({
    links: [{ label: 'MyAnimeList', ...link }],
    ...(appName !== undefined ? { appName } : {}),
  });
}

describe('renderReauthEmail', () => {
  it('contains the link and the absolute UTC expiry in both parts', () => {
    const mail = malEmail({ authorizeUrl: url, expiresAt, reason: 'refresh_token_expiring' });
    expect(mail.text).toContain(url);
    expect(mail.text).toContain('Thursday, 8 January 2026, 14:30 UTC');
    // In HTML the & of the query string is escaped, inside and outside the href.
    expect(mail.html).toContain(`href="${url.replace(/&/g, '&amp;')}"`);
    expect(mail.html).toContain('Thursday, 8 January 2026, 14:30 UTC');
    expect(mail.subject).toMatch(/please re-authorize$/);
    expect(mail.html).toContain('>Re-authorize MyAnimeList</a>');
  });

  it('asks to authorize, not re-authorize, when MyAnimeList was never connected', () => {
    const mail = malEmail({ authorizeUrl: url, expiresAt, reason: 'no_tokens' });
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
    const mail = malEmail({ authorizeUrl: url, expiresAt, reason });
    expect(mail.text).toMatch(words);
    expect(mail.html).toMatch(words);
  });

  it('escapes interpolated values in HTML', () => {
    const mail = malEmail(
      {
        authorizeUrl: 'https://example.test/?q="><script>alert(1)</script>',
        expiresAt,
        reason: 'no_tokens',
        user: '<img src=x onerror=alert(1)>',
      },
      'Mirror <b>',
    );
    expect(mail.html).not.toMatch(/<script|<img|<b>/);
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('Mirror &lt;b&gt;');
  });

  it('refuses non-http links', () => {
    expect(() => malEmail({ authorizeUrl: 'javascript:alert(1)', expiresAt, reason: 'no_tokens' })).toThrow(/non-http/);
  });

  it('keeps the subject on one line', () => {
    const mail = malEmail({ authorizeUrl: url, expiresAt, reason: 'no_tokens' }, 'A\r\nBcc: x@y');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});

describe('renderReauthEmail with several destinations', () => {
  const traktUrl =
    'https://trakt.example.test/oauth/authorize?response_type=code&client_id=t&state=S2&code_challenge=C2';
  const traktExpiry = new Date(Date.UTC(2026, 0, 9, 9, 0));

  it('has one section and one button per destination, each with its own link, verb and expiry', () => {
    const mail = renderReauthEmail({
      links: [
        { label: 'MyAnimeList', authorizeUrl: url, expiresAt, reason: 'invalid_grant', user: 'alice' },
        {
          label: 'Trakt',
          authorizeUrl: traktUrl,
          expiresAt: traktExpiry,
          reason: 'no_tokens',
          verbs: { first: 'Connect', again: 'Reconnect' },
        },
      ],
    });
    expect(mail.subject).toMatch(/MyAnimeList and Trakt need you/);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    // Each link follows the words that name its destination (the local inbox reads them that way).
    expect(mail.text).toContain(`as alice, open this link and confirm on MyAnimeList:\n\n${url}`);
    expect(mail.text).toContain(`open this link and confirm on Trakt:\n\n${traktUrl}`);
    expect(mail.text).toContain('Thursday, 8 January 2026, 14:30 UTC');
    expect(mail.text).toContain('Friday, 9 January 2026, 09:00 UTC');
    expect(mail.html).toContain('>Re-authorize MyAnimeList</a>');
    expect(mail.html).toContain('>Connect Trakt</a>');
    expect(mail.html).toContain(`href="${traktUrl.replace(/&/g, '&amp;')}"`);
    expect(mail.text).toMatch(/MyAnimeList rejected the stored authorization/);
    expect(mail.text).toMatch(/Trakt is not connected yet/);
  });

  it('refuses to render without a link', () => {
    expect(() => renderReauthEmail({ links: [] })).toThrow(/at least one link/);
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
