import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseMirrorConfig } from '../../infra/config';
import { loadCallbackConfig, loadMailerConfig, loadWorkerConfig } from '../../shared/destinations';
import { ConfigError } from '../../shared/errors';
import { KEYS } from '../../shared/store/store';
import {
  asArray,
  cdkJsonContext,
  environmentOf,
  type FunctionRole,
  functionIds,
  REAL_SETTINGS,
  resourcesOf,
  s3Target,
  statementsOfFunction,
  synthMirror,
} from './support';

const TRAKT_SECRET = '/anilist-mal-mirror/trakt-client-secret';
const TRAKT_BLOCK = {
  clientId: 'trakt-client-id-1234',
  clientSecretParameter: TRAKT_SECRET,
  username: 'trakt-me',
  prune: true,
  unknownDate: 'release',
  progress: true,
  rewatches: false,
  idOverrides: { '145064': { show: 158594, season: 1, episodes: '25-47' }, '900001': null },
};
const ANILIST_TOKEN = 'anilist-token';

// Both destinations, every Trakt setting away from its default.
const both = synthMirror({
  ...REAL_SETTINGS,
  destinations: 'mal,trakt',
  trakt: TRAKT_BLOCK,
  anilistTokenParameter: ANILIST_TOKEN,
});
const ids = functionIds(both.template);
const bucketId = Object.keys(both.template.findResources('AWS::S3::Bucket'))[0]!;

// Trakt alone.
const traktOnly = synthMirror({
  ...REAL_SETTINGS,
  destinations: 'trakt',
  trakt: TRAKT_BLOCK,
  anilistTokenParameter: ANILIST_TOKEN,
});
const traktOnlyIds = functionIds(traktOnly.template);

const callbackUrlOf = (t: Template) => {
  const api = Object.keys(t.findResources('AWS::ApiGatewayV2::Api'))[0]!;
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [api, 'ApiEndpoint'] }, '/callback']] };
};

describe('the trakt block, deployed', () => {
  test('the worker gets the Trakt rules, the secret parameter name and the callback URL (refreshes name it)', () => {
    expect(environmentOf(both.template, ids.worker)).toMatchObject({
      DESTINATIONS: 'mal,trakt',
      TRAKT_CLIENT_ID: 'trakt-client-id-1234',
      TRAKT_CLIENT_SECRET_PARAMETER: TRAKT_SECRET,
      TRAKT_PRUNE: 'true',
      TRAKT_UNKNOWN_DATE: 'release',
      TRAKT_PROGRESS: 'true',
      TRAKT_REWATCHES: 'false',
      TRAKT_ID_OVERRIDES: JSON.stringify(TRAKT_BLOCK.idOverrides),
      CALLBACK_URL: callbackUrlOf(both.template),
      MAL_CLIENT_ID: 'abc123clientid',
    });
  });

  test('the mailer knows the app but never its secret; the callback reads the secret', () => {
    const mailer = environmentOf(both.template, ids.mailer);
    expect(mailer).toMatchObject({ TRAKT_CLIENT_ID: 'trakt-client-id-1234', TRAKT_USERNAME: 'trakt-me' });
    expect(mailer).not.toHaveProperty('TRAKT_CLIENT_SECRET_PARAMETER');
    expect(environmentOf(both.template, ids.callback)).toMatchObject({
      TRAKT_CLIENT_ID: 'trakt-client-id-1234',
      TRAKT_CLIENT_SECRET_PARAMETER: TRAKT_SECRET,
      TRAKT_USERNAME: 'trakt-me',
    });
  });

  test.each(['worker', 'mailer', 'callback'] as FunctionRole[])(
    "%s: the environment passes the function's own config loader with Trakt enabled",
    (role) => {
      const load = { worker: loadWorkerConfig, mailer: loadMailerConfig, callback: loadCallbackConfig }[role];
      for (const [t, fnIds] of [
        [both.template, ids],
        [traktOnly.template, traktOnlyIds],
      ] as const) {
        const env = Object.fromEntries(
          Object.entries(environmentOf(t, fnIds[role])).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : 'https://abc123.execute-api.eu-west-1.amazonaws.com/callback',
          ]),
        );
        expect(() => load(env)).not.toThrow();
      }
    },
  );

  test('Trakt alone: no MyAnimeList variable on any function', () => {
    for (const role of ['worker', 'mailer', 'callback'] as FunctionRole[]) {
      const names = Object.keys(environmentOf(traktOnly.template, traktOnlyIds[role]));
      expect(names.filter((n) => n.startsWith('MAL_'))).toEqual([]);
      expect(names).toContain('TRAKT_CLIENT_ID');
    }
  });
});

describe('least privilege with Trakt', () => {
  const s3 = (role: FunctionRole) =>
    new Set(
      statementsOfFunction(both.template, ids[role]).flatMap((s) =>
        asArray(s.Action)
          .filter((a) => a.startsWith('s3:'))
          .flatMap((a) => asArray(s.Resource).map((r) => `${a} ${s3Target(r, bucketId)}`)),
      ),
    );

  test("each function reaches Trakt's tokens the way it reaches MAL's, and only the worker the caches", () => {
    const tokens = KEYS.tokens('trakt');
    expect(tokens).toBe('auth/trakt/tokens.json');
    const worker = s3('worker');
    for (const grant of [
      `s3:GetObject ${tokens}`,
      `s3:PutObject ${tokens}`,
      's3:GetObject cache/*',
      's3:PutObject cache/*',
    ]) {
      expect(worker).toContain(grant);
    }
    // Trakt's plays index and mapping review live under sync/trakt/, inside the worker's sync/* grant.
    expect(worker).toContain('s3:PutObject sync/*');
    // The mailer reads the metadata of Trakt's tokens, never the tokens.
    const meta = KEYS.tokenMeta('trakt');
    expect(s3('mailer')).toContain(`s3:GetObject ${meta}`);
    expect([...s3('mailer')].filter((g) => g.endsWith(tokens))).toEqual([]);
    expect([...s3('callback')]).toEqual(expect.arrayContaining([`s3:PutObject ${tokens}`, `s3:PutObject ${meta}`]));
    expect(worker).toContain(`s3:PutObject ${meta}`);
    for (const role of ['mailer', 'callback'] as FunctionRole[]) {
      expect([...s3(role)].filter((g) => g.includes('cache/'))).toEqual([]);
    }
  });

  test('the Trakt secret: ssm:GetParameter for the worker and the callback, never the mailer', () => {
    const paramArns = (role: FunctionRole) =>
      statementsOfFunction(both.template, ids[role])
        .filter((s) => asArray(s.Action).includes('ssm:GetParameter'))
        .flatMap((s) => asArray(s.Resource).map((r) => JSON.stringify(r)));
    const trakt = (arns: string[]) => arns.filter((a) => a.includes(`parameter${TRAKT_SECRET}`));
    expect(trakt(paramArns('worker'))).toHaveLength(1);
    expect(trakt(paramArns('callback'))).toHaveLength(1);
    expect(paramArns('mailer')).toEqual([]);
  });
});

describe('what a person sees', () => {
  test('one reauth alarm per destination, Trakt included', () => {
    const dimensions = resourcesOf(both.template, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => (a.Properties as { MetricName?: string }).MetricName === 'ReauthPendingHours')
      .map(([, a]) => (a.Properties as { Dimensions: { Value: string }[] }).Dimensions[0]!.Value)
      .sort();
    expect(dimensions).toEqual(['mal', 'trakt']);
  });

  test('the CallbackUrl output says where to register it, for MAL and for Trakt', () => {
    both.template.hasOutput('CallbackUrl', {
      Value: callbackUrlOf(both.template),
      Description: Match.stringLikeRegexp('MyAnimeList API app.*Trakt API app'),
    });
  });

  test('cdk.json carries an example trakt block, with the secret as a parameter name', () => {
    expect(cdkJsonContext().trakt).toMatchObject({ clientId: expect.any(String), clientSecretParameter: TRAKT_SECRET });
  });
});

describe('bad trakt settings name the fix', () => {
  const parse = (overrides: Record<string, unknown>) => {
    try {
      parseMirrorConfig({ ...cdkJsonContext(), ...REAL_SETTINGS, destinations: 'mal,trakt', ...overrides });
      return undefined;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.issues.join('\n');
    }
  };

  test.each([
    ['no secret parameter', { trakt: { ...TRAKT_BLOCK, clientSecretParameter: '' } }, /trakt\.clientSecretParameter/],
    [
      'an unknown date mode',
      { trakt: { ...TRAKT_BLOCK, unknownDate: 'now' } },
      /trakt\.unknownDate.*unknown, release or skip/,
    ],
    [
      'an override without a range',
      { trakt: { ...TRAKT_BLOCK, idOverrides: { '1': { show: 5 } } } },
      /trakt\.idOverrides/,
    ],
    [
      'prune without an AniList token',
      { trakt: { ...TRAKT_BLOCK, prune: true } },
      /trakt\.prune.*anilistTokenParameter/,
    ],
  ])('%s', (_name, overrides, message) => {
    expect(parse(overrides)).toMatch(message);
  });

  test('the example block is accepted as it is', () => {
    expect(parse({ anilistTokenParameter: ANILIST_TOKEN })).toBeUndefined();
  });
});
