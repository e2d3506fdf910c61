import { ephemeralLocalConfig, LocalConfigError } from '../../../local/config';
import {
  checkLocalSystemConfig,
  configuredDestinationKeys,
  handlerEnv,
  sandboxDestinationKeys,
  sandboxStandInKeys,
} from '../../../local/system/env';
import { SANDBOX_STAND_INS } from '../../../local/system/sandboxes';
import { loadCallbackConfig, loadMailerConfig, loadWorkerConfig } from '../../../shared/destinations';

const wiring = { callbackUrl: 'http://127.0.0.1:3000/callback', bucket: 'b' };
const realEnv = (env: Record<string, string>) =>
  handlerEnv({ local: ephemeralLocalConfig(), env, sandbox: false }, wiring).DESTINATIONS;

describe('real mode: which destinations, when DESTINATIONS is not set', () => {
  test.each([
    ['MAL only', { MAL_CLIENT_ID: 'm' }, 'mal'],
    ['Trakt only: MAL is not asked for', { TRAKT_CLIENT_ID: 't' }, 'trakt'],
    ['both', { MAL_CLIENT_ID: 'm', TRAKT_CLIENT_ID: 't' }, 'mal,trakt'],
    ['a MAL source is not also a destination', { SOURCE: 'mal', MAL_CLIENT_ID: 'm', TRAKT_CLIENT_ID: 't' }, 'trakt'],
    ['blank values count as unset', { MAL_CLIENT_ID: ' ', TRAKT_CLIENT_ID: 't' }, 'trakt'],
  ])('%s', (_name, env, expected) => {
    expect(realEnv(env)).toBe(expected);
  });

  test('DESTINATIONS, when set, is what the user said', () => {
    expect(realEnv({ MAL_CLIENT_ID: 'm', TRAKT_CLIENT_ID: 't', DESTINATIONS: 'trakt' })).toBe('trakt');
  });

  test('nothing configured: no choice is made for the user (the handlers report what is missing)', () => {
    expect(configuredDestinationKeys({})).toEqual([]);
    expect(realEnv({})).toBeUndefined();
  });
});

describe('sandbox mode: SOURCE is the user’s, and the defaults follow it', () => {
  const sandboxWiring = {
    ...wiring,
    bucket: 'mirror-state',
    sandbox: { anilistUrl: 'http://127.0.0.1:1/', anilistUser: 'sandbox', destinations: {} },
  };
  const sandboxEnv = (env: Record<string, string>) =>
    handlerEnv({ local: ephemeralLocalConfig(), env, sandbox: true }, sandboxWiring);
  const check = (env: Record<string, string>) =>
    checkLocalSystemConfig({ local: ephemeralLocalConfig(), env, sandbox: true });

  test('SOURCE=mal is kept, and MyAnimeList is started as the source but not mirrored to', () => {
    expect(sandboxEnv({ SOURCE: 'mal' })).toMatchObject({ SOURCE: 'mal', DESTINATIONS: 'trakt' });
    expect(sandboxDestinationKeys({ SOURCE: 'mal' })).toEqual(['trakt']);
    expect(sandboxStandInKeys({ SOURCE: 'mal' })).toEqual(['mal', 'trakt']);
    // An explicit choice of destinations still starts the source's stand-in.
    expect(sandboxStandInKeys({ SOURCE: 'mal', DESTINATIONS: 'trakt' })).toEqual(['mal', 'trakt']);
    expect(() => check({ SOURCE: 'mal' })).not.toThrow();
    expect(() => check({ SOURCE: 'mal', DESTINATIONS: ' Trakt ' })).not.toThrow();
  });

  test('the default source is AniList, and every sandboxed destination is mirrored to', () => {
    expect(sandboxEnv({}).SOURCE).toBeUndefined();
    expect(sandboxEnv({}).DESTINATIONS).toBe('mal,trakt');
    expect(sandboxEnv({ SOURCE: 'anilist' })).toMatchObject({ SOURCE: 'anilist', DESTINATIONS: 'mal,trakt' });
    expect(sandboxStandInKeys({})).toEqual(['mal', 'trakt']);
    expect(sandboxStandInKeys({ DESTINATIONS: 'trakt' })).toEqual(['trakt']);
  });

  test('the MyAnimeList settings the worker, the mailer and the callback need are there for the source', () => {
    const env = handlerEnv(
      { local: ephemeralLocalConfig(), env: { SOURCE: 'mal' }, sandbox: true },
      {
        ...sandboxWiring,
        sandbox: {
          ...sandboxWiring.sandbox,
          destinations: Object.assign(
            {},
            ...sandboxStandInKeys({ SOURCE: 'mal' }).map((key) =>
              SANDBOX_STAND_INS[key]!.envFor('http://127.0.0.1:2', {}),
            ),
          ),
        },
      },
    );
    const worker = loadWorkerConfig(env);
    expect(worker.base.SOURCE).toBe('mal');
    expect(worker.destinations.map((d) => d.module.key)).toEqual(['trakt']);
    expect(worker.auth.map((d) => d.module.key)).toEqual(['trakt', 'mal']);
    expect(loadMailerConfig(env).auth.map((d) => d.module.key)).toEqual(['trakt', 'mal']);
    expect(loadCallbackConfig(env).auth.map((d) => d.module.key)).toEqual(['trakt', 'mal']);
  });

  test('account names and secret parameters meant for the real services do not reach the sandboxes', () => {
    const real = {
      MAL_USERNAME: 'me_on_mal',
      TRAKT_USERNAME: 'me-on-trakt',
      MAL_CLIENT_SECRET_PARAMETER: '/mirror/mal',
      TRAKT_CLIENT_SECRET_PARAMETER: '/mirror/trakt',
    };
    const env = handlerEnv(
      { local: ephemeralLocalConfig(), env: real, sandbox: true },
      {
        ...sandboxWiring,
        sandbox: {
          ...sandboxWiring.sandbox,
          destinations: Object.assign(
            {},
            ...Object.values(SANDBOX_STAND_INS).map((s) => s.envFor('http://127.0.0.1:2', real)),
          ),
        },
      },
    );
    for (const key of Object.keys(real)) expect(env[key]).toBeUndefined();
  });

  test('DESTINATIONS naming mal with SOURCE=mal is a config error that says what to set', () => {
    let err: unknown;
    try {
      check({ SOURCE: 'mal', DESTINATIONS: 'mal,trakt' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LocalConfigError);
    const { message } = err as LocalConfigError;
    expect(message).toContain('DESTINATIONS cannot include mal while SOURCE=mal');
    expect(message).toContain('set DESTINATIONS=trakt, or leave DESTINATIONS unset');
  });
});
