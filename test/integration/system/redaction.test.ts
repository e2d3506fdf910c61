import { forgetSecrets } from '../../../shared/errors';
import { createJsonLogger } from '../../../shared/log';
import { KEYS } from '../../../shared/store/store';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

/*
 * Redaction by value through the real worker: MAL (the sandbox, over HTTP) echoes the stored access
 * token in the path and text of its error message. The token is known to the worker because it read
 * it, so it never reaches the stored retry list's `lastError`, the run report or any log line.
 */
describe('a token echoed by MAL in free text', () => {
  let system: TestSystem;
  const lines: string[] = [];
  beforeAll(async () => {
    system = await startTestSystem({ logger: createJsonLogger({ level: 'debug', write: (l) => lines.push(l) }) });
    await authorize(system);
  });
  afterAll(async () => {
    await system?.close();
  });

  /** Read as raw JSON, not through readTokens: the test must not register the token itself. */
  async function storedAccessToken(): Promise<string> {
    const stored = await system.store.get(KEYS.tokens('mal'));
    const token = (JSON.parse(stored!.body) as { accessToken: string }).accessToken;
    expect(token.length).toBeGreaterThan(16);
    return token;
  }

  function echo(token: string): string {
    return `token ${token} is not valid for /v2/users/${token}/animelist`;
  }

  test("is redacted in a failed write's stored lastError and in the report", async () => {
    const token = await storedAccessToken();
    const entry = system.anilist!.store.entries().find((e) => e.media?.idMal && !e.private)!;
    system.anilist!.store.upsertEntry({ id: entry.id, notes: 'redaction test' });
    system.mal!.faults.inject({ route: 'write', kind: 400, times: 1, message: echo(token) });

    forgetSecrets(); // the worker as a fresh Lambda: it knows the token only because it read it
    await system.runSync();
    const failure = sectionOf(system.reports.at(-1)!).failures[0];
    expect(failure?.error).toContain('[REDACTED]');
    expect(failure?.error).not.toContain(token);

    const pending = (await malState(system.store)).pending.find((p) => p.entry.id === entry.id);
    expect(pending?.lastError).toContain('is not valid for /v2/users/[REDACTED]/animelist');
    expect(pending?.lastError).not.toContain(token);
    expect((await system.store.get(KEYS.syncState('mal')))!.body).not.toContain(token);
  });

  test('is redacted in the log line and the error of a run whose destination fails', async () => {
    const token = await storedAccessToken();
    lines.length = 0;
    system.mal!.faults.inject({ route: 'list', kind: 400, times: 1, message: echo(token) });
    forgetSecrets();

    // The worker fails the run (for Lambda's error alarm), naming the destination's error.
    const thrown = await system.runSync({ full: true }).catch((err: unknown) => err);
    expect(String(thrown)).toContain('is not valid for /v2/users/[REDACTED]/animelist');
    expect(String(thrown)).not.toContain(token);
    expect(sectionOf(system.reports.at(-1)!).status).toBe('failed');
    const failed = lines.find((l) => l.includes('destination failed'));
    expect(failed).toContain('[REDACTED]');
    expect(lines.join('\n')).not.toContain(token);
  });
});
