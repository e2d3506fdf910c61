import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESClient } from '@aws-sdk/client-ses';
import sesLocal from 'aws-ses-v2-local';
import { createSesMailSender, MailSendError, runReauthCheck } from '../../../shared/auth/mailer';
import { ManualClock } from '../../../shared/clock';
import { renderReauthEmail } from '../../../shared/mail/reauth-email';
import { MemoryStore } from '../../../shared/store/memory-store';
import { FakeMalOAuth } from '../../unit/auth/fakes';

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

describe('SES mail sender against aws-ses-v2-local', () => {
  let server: Server;
  let baseUrl: string;
  let client: SESClient;

  beforeAll(async () => {
    // Port 0: the emulator passes host/port straight to express's app.listen.
    server = await sesLocal({ host: '127.0.0.1', port: 0 });
    const { port } = server.address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    client = new SESClient({
      endpoint: baseUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    client?.destroy();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    }
  });

  async function storedEmail(messageId: string): Promise<StoredEmail> {
    const res = await fetch(`${baseUrl}/store`);
    expect(res.status).toBe(200);
    const { emails } = (await res.json()) as { emails: StoredEmail[] };
    const email = emails.find((e) => e.messageId === messageId);
    expect(email).toBeDefined();
    return email!;
  }

  it('sends text and HTML bodies with the authorize link', async () => {
    const sender = createSesMailSender(client);
    const authorizeUrl =
      'https://myanimelist.net/v1/oauth2/authorize?response_type=code&client_id=c&state=abc&code_challenge=xyz';
    const rendered = renderReauthEmail({
      links: [
        {
          label: 'MyAnimeList',
          authorizeUrl,
          expiresAt: new Date(Date.UTC(2026, 0, 8, 12, 0)),
          reason: 'invalid_grant',
          user: 'alice',
        },
      ],
    });
    const { messageId } = await sender.send({ from: 'mirror@example.test', to: 'me@example.test', ...rendered });
    expect(messageId).not.toBe('');

    const email = await storedEmail(messageId);
    expect(email.from).toBe('mirror@example.test');
    expect(email.destination.to).toEqual(['me@example.test']);
    expect(email.subject).toBe(rendered.subject);
    expect(email.body.text).toContain(authorizeUrl);
    expect(email.body.html).toContain(`href="${authorizeUrl.replace(/&/g, '&amp;')}"`);
    expect(email.body.html).toContain('Thursday, 8 January 2026, 12:00 UTC');
  });

  it('the mailer run delivers its link through SES', async () => {
    const oauth = new FakeMalOAuth();
    const result = await runReauthCheck(
      {
        store: new MemoryStore(),
        clock: new ManualClock(),
        destinations: [{ provider: oauth }],
        mail: createSesMailSender(client),
        from: 'mirror@example.test',
        to: 'me@example.test',
        redirectUri: 'https://cb.example.test/callback',
        linkTtlHours: 168,
        throttleHours: 24,
        warnDays: 5,
      },
      'schedule',
    );
    expect(result.sent).toBe(true);
    const email = await storedEmail(result.messageId!);
    const link = email.body.text?.match(/https:\/\/myanimelist\.net\/\S+/)?.[0];
    expect(link).toBeDefined();
    expect(new URL(link!).searchParams.get('redirect_uri')).toBe('https://cb.example.test/callback');
    // No tokens yet: the first authorization, not a re-authorization.
    expect(email.body.html).toContain('>Authorize MyAnimeList</a>');
  });

  it('wraps SES failures in MailSendError', async () => {
    const sender = createSesMailSender(client);
    // The emulator rejects a message without a subject.
    const err = await sender
      .send({ from: 'mirror@example.test', to: 'me@example.test', subject: '', text: 't', html: '<p>h</p>' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailSendError);
    expect(err).toMatchObject({ code: 'mail_send_failed', retryable: true });
  });
});
