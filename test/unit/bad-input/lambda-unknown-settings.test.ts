import { handler as callbackHandler } from '../../../lambdas/oauth-callback/handler';
import { handler as mailerHandler } from '../../../lambdas/reauth-mailer/handler';
import { handler as workerHandler } from '../../../lambdas/sync-worker/handler';

/**
 * Each Lambda's cold start names the misspelled keys of its environment in its structured log,
 * before reading its settings: a "MAL_CLIENT_ID is required" is then explained by the
 * "MAL_CLIENT_IDD … did you mean MAL_CLIENT_ID?" line above it.
 */
describe.each([
  ['reauth mailer', mailerHandler],
  ['OAuth callback', callbackHandler],
  ['sync worker', workerHandler],
])('%s', (_name, handler) => {
  const saved = { ...process.env };
  let lines: string[];
  let write: jest.SpyInstance;

  beforeEach(() => {
    lines = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    // No STATE_BUCKET: the settings are refused, so the cold start stops before any AWS client is used.
    for (const key of Object.keys(process.env))
      if (/^(STATE_BUCKET|MAL_|TRAKT_|DESTINATIONS|ANILIST_)/.test(key)) delete process.env[key];
    process.env.MAL_CLIENT_IDD = 'my-app';
  });

  afterEach(() => {
    write.mockRestore();
    process.env = { ...saved };
  });

  test('logs the misspelled key with the setting meant, then refuses the settings as before', async () => {
    await expect((handler as (e: unknown, c: unknown) => Promise<unknown>)({}, {})).rejects.toThrow(
      /STATE_BUCKET is required/,
    );
    const warnings = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({ event: 'unknown_setting', setting: 'MAL_CLIENT_IDD', didYouMean: 'MAL_CLIENT_ID' }),
    ]);
    expect(lines.join('')).not.toContain('my-app');
  });
});
