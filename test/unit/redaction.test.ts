import { createTokenProvider } from '../../shared/auth/tokens';
import { resolveSecret } from '../../shared/aws/parameters';
import { ManualClock } from '../../shared/clock';
import {
  AppError,
  describeError,
  forgetSecrets,
  MIN_SECRET_LENGTH,
  redactSecrets,
  registerSecrets,
} from '../../shared/errors';
import { createJsonLogger } from '../../shared/log';
import { MemoryStore } from '../../shared/store/memory-store';
import { KEYS } from '../../shared/store/store';
import { runSync } from '../../shared/sync/engine';
import { loadDestinationState } from '../../shared/sync/state';
import { anilistEntry } from '../support/entries';
import { FakeDestination } from '../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../support/fakes';
import { sectionOf } from '../support/reports';
import { FakeMalOAuth, seedTokens } from './auth/fakes';

/*
 * Redaction by value: a secret this process knows (a token read or refreshed, a client secret, an
 * authorization code or verifier) is removed wherever it appears, whatever surrounds it. The
 * syntax patterns (`access_token=…`, JSON fields, `Bearer …`) only catch the forms they know.
 */
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.value-redaction-test';
const SECRET = 'cs_0123456789abcdef';

beforeAll(() => registerSecrets(TOKEN, SECRET));

describe('redactSecrets with known values', () => {
  test.each([
    ['a URL path', `GET https://api.example.test/v2/${TOKEN}/list failed`],
    ['free text', `the provider said: token ${TOKEN} is not valid here`],
    ['a header the patterns do not know', `X-Api-Key:${SECRET}`],
    ['glued to other text', `prefix${TOKEN}suffix`],
  ])('removes a known secret from %s', (_where, text) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('[REDACTED]');
  });

  test('a percent-encoded form of a secret with reserved characters is removed too', () => {
    const withSlash = 'abc/def+ghi=jkl';
    registerSecrets(withSlash);
    expect(redactSecrets(`path /v2/${encodeURIComponent(withSlash)}/x`)).toBe('path /v2/[REDACTED]/x');
  });

  test('a secret that contains another known secret is replaced whole', () => {
    const inner = 'inner-secret-1234';
    registerSecrets(inner, `outer-${inner}-outer`);
    expect(redactSecrets(`x outer-${inner}-outer y ${inner}`)).toBe('x [REDACTED] y [REDACTED]');
  });

  test(`values shorter than ${MIN_SECRET_LENGTH} characters are ignored, so ordinary text survives`, () => {
    registerSecrets('the', 'mal', '', undefined, null);
    expect(redactSecrets('the mal sync')).toBe('the mal sync');
  });

  test('AppError messages and describeError of any thrown value are redacted by value', () => {
    expect(new AppError('x', `refresh with ${TOKEN} failed`).message).not.toContain(TOKEN);
    expect(describeError(new TypeError(`fetch ${TOKEN}`))).not.toContain(TOKEN);
    expect(describeError(`plain string ${SECRET}`)).not.toContain(SECRET);
  });
});

describe('the JSON logger redacts known values everywhere in a line', () => {
  test('in the message, in string fields at any depth, and in errors', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(line) });
    logger.error(`call to /v2/${TOKEN} failed`, {
      url: `https://api.example.test/v2/${TOKEN}/list`,
      nested: { list: [`said ${SECRET}`] },
      error: new Error(`echoed ${TOKEN}`),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(TOKEN);
    expect(lines[0]).not.toContain(SECRET);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      message: 'call to /v2/[REDACTED] failed',
      url: 'https://api.example.test/v2/[REDACTED]/list',
      nested: { list: ['said [REDACTED]'] },
      error: 'Error: echoed [REDACTED]',
    });
  });
});

/** Each place a secret comes into being registers it; each test starts from a fresh process's empty registry. */
describe('where secrets are registered', () => {
  beforeEach(() => forgetSecrets());

  test('a client secret or AniList token read from config or a parameter (resolveSecret)', async () => {
    const direct = await resolveSecret('direct-client-secret-1', undefined, async () => 'unused');
    const fromSsm = await resolveSecret(undefined, '/mirror/secret', async () => 'ssm-client-secret-2');
    expect(redactSecrets(`${direct} ${fromSsm}`)).toBe('[REDACTED] [REDACTED]');
  });

  test('tokens read from the store, and the tokens a refresh returns', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const oauth = new FakeMalOAuth();
    const seeded = await seedTokens(store, oauth, clock);
    forgetSecrets();
    const provider = createTokenProvider({ store, clock, provider: oauth });
    expect(await provider.get()).toBe(seeded.accessToken);
    expect(redactSecrets(`${seeded.accessToken} ${seeded.refreshToken}`)).toBe('[REDACTED] [REDACTED]');

    const fresh = await provider.refresh(seeded.accessToken);
    expect(fresh).not.toBe(seeded.accessToken);
    expect(redactSecrets(`sent ${fresh}`)).toBe('sent [REDACTED]');
  });
});

describe('the sync core', () => {
  test("stores and reports a failed write's text without any known secret, whatever the destination built", async () => {
    registerSecrets(TOKEN);
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const store = new MemoryStore();
    const dest = new FakeDestination('alpha', 'Alpha');
    // A destination that builds its own text (String(err)), not through describeError.
    dest.beforeWrite = (key) => {
      throw new Error(`PUT /v2/${TOKEN}/list/${key} refused`);
    };
    const anilist = new FakeAniList([anilistEntry({ id: 1, status: 'CURRENT', progress: 1, updatedAt: 1000 })]);
    anilist.now = () => clock.now();
    const deps = {
      source: anilist,
      destinations: () => [{ destination: dest, prune: false }],
      store,
      events: new RecordingEvents(),
      clock,
      logger: createJsonLogger({ write: () => undefined }),
    };
    const report = await runSync(deps, {
      anilistUser: 'alice',
      fullSyncIntervalHours: 24,
      checkpointEveryWrites: 1,
      deadlineSafetyMs: 0,
    });

    expect(sectionOf(report, 'alpha').failures[0]?.error).toBe('Error: PUT /v2/[REDACTED]/list/e1 refused');
    const state = await loadDestinationState(store, 'alpha', (r) => dest.checkRecordState(r));
    expect(state?.state.pending[0]?.lastError).toBe('Error: PUT /v2/[REDACTED]/list/e1 refused');
    expect(store.objects.get(KEYS.syncState('alpha'))?.body).not.toContain(TOKEN);
  });
});
