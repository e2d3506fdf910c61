import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buttonOf, describeMail, describeRun } from '../../../local/console';
import type { ReauthCheckResult } from '../../../shared/auth/mailer';
import type { AuthProvider } from '../../../shared/auth/provider';
import { decideReauth } from '../../../shared/auth/reauth';
import { createMalAuth } from '../../../shared/destinations/mal/oauth';
import { createTraktAuth } from '../../../shared/destinations/trakt/oauth';
import { formatUtc } from '../../../shared/mail/html';
import { renderReauthEmail } from '../../../shared/mail/reauth-email';
import { runReport } from '../../support/reports';

/**
 * Issue #11, "Consistent wording": the email's buttons, the README and the console name the same
 * action with the same words, and the local inbox's button is the one they say to press.
 */
const ROOT = path.resolve(__dirname, '../../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const INBOX_PAGE = readFileSync(path.join(ROOT, 'node_modules/aws-ses-v2-local/static/index.html'), 'utf8');

const options = { clientId: 'id', fetch, timeoutMs: 1000 };
const PROVIDERS: readonly AuthProvider[] = [createMalAuth(options), createTraktAuth(options)];
const REASONS = { first: 'no_tokens', again: 'invalid_grant' } as const;

/** The button of the email for one destination and reason. */
function emailButton(provider: AuthProvider, reason: 'no_tokens' | 'invalid_grant'): string {
  const { html } = renderReauthEmail({
    links: [
      {
        label: provider.label,
        authorizeUrl: 'https://example.test/authorize?state=s',
        expiresAt: new Date(0),
        reason,
        ...(provider.verbs ? { verbs: provider.verbs } : {}),
      },
    ],
  });
  const buttons = [...html.matchAll(/<a href="[^"]*"[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);
  expect(buttons).toHaveLength(1);
  return buttons[0]!;
}

describe('the same words for the same action', () => {
  const cases = PROVIDERS.flatMap((p) => (['first', 'again'] as const).map((when) => [p.label, when, p] as const));

  test.each(cases)('%s, %s: the console quotes the email’s button', (_label, when, provider) => {
    const target = {
      destination: provider.destination,
      label: provider.label,
      ...(provider.verbs ? { verbs: provider.verbs } : {}),
    };
    const status =
      when === 'first'
        ? ({ needed: true, reason: 'no_tokens' } as const)
        : ({ needed: true, reason: 'invalid_grant' } as const);
    expect(buttonOf(target, status)).toBe(emailButton(provider, REASONS[when]));
  });

  test('every button the README names in bold is one the email shows, and the first-time ones are named', () => {
    const buttons = new Set(cases.map(([, when, p]) => emailButton(p, REASONS[when])));
    expect([...buttons].sort()).toEqual([
      'Authorize MyAnimeList',
      'Connect Trakt',
      'Re-authorize MyAnimeList',
      'Reconnect Trakt',
    ]);
    const named = [...README.matchAll(/\*\*((?:Re-?)?(?:[Aa]uthorize|[Cc]onnect) (?:MyAnimeList|Trakt|MAL))\*\*/g)].map(
      (m) => m[1]!,
    );
    expect(named.filter((n) => !buttons.has(n))).toEqual([]);
    expect(named).toEqual(expect.arrayContaining(['Authorize MyAnimeList', 'Connect Trakt']));
  });

  test('"Toggle HTML view": the inbox’s button, as the console and the README name it', () => {
    expect(INBOX_PAGE).toContain('>Toggle HTML view</button>');
    expect(README).toContain('**Toggle HTML view**');
    const mail = { sent: true, why: 'no email sent before', destinations: [] } as unknown as ReauthCheckResult;
    expect(describeMail(mail, 'http://127.0.0.1:1/', 'me@example.test')).toContain('press "Toggle HTML view"');
  });

  test('the console says when a link expires as the email does (formatUtc)', () => {
    const at = '2026-01-08T14:30:00.000Z';
    const mail = {
      sent: true,
      why: 'no email sent before',
      destinations: [{ linkExpiresAt: at }],
    } as unknown as ReauthCheckResult;
    const text = describeMail(mail, 'http://127.0.0.1:1/', 'me@example.test', [{ label: 'MyAnimeList', url: 'u' }]);
    expect(text).toContain(`it works until ${formatUtc(new Date(at))}.`);
    expect(text).toContain('Thursday, 8 January 2026, 14:30 UTC');
    expect(text).not.toContain(at);
  });

  test('a run in the console is dated as everywhere else (formatUtc, not the machine locale)', () => {
    const text = describeRun(runReport('2026-01-08T14:30:00.000Z'));
    expect(text.startsWith('\n[Thursday, 8 January 2026, 14:30 UTC] ')).toBe(true);
  });

  test('the mailer’s reasons, which the console and the demo print, date things the same way', () => {
    const sent = Date.UTC(2026, 0, 8, 14, 30);
    const decision = decideReauth({
      label: 'MyAnimeList',
      tokens: undefined,
      mailerState: { lastSentAt: sent, lastState: 's', linkExpiresAt: sent + 7 * 86_400_000, reason: 'no_tokens' },
      now: sent + 3_600_000,
      settings: { warnDays: 7, throttleHours: 24 },
      trigger: 'schedule',
    });
    expect(decision.why).toContain('last email sent at Thursday, 8 January 2026, 14:30 UTC');
    expect(decision.why).toContain('its link is valid until Thursday, 15 January 2026, 14:30 UTC');
    expect(decision.why).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });
});
