import { FUNCTION_SETTINGS, findUnknownSettings } from '../../shared/unknown-settings';
import { environmentOf, type FunctionRole, functionIds, REAL_SETTINGS, synthMirror } from './support';

/**
 * Each Lambda warns at cold start about keys of its environment that look like misspelled
 * settings. The environment the stack itself sets, with every optional setting on, must never
 * set one off: a warning on every deployment would teach people to ignore it.
 */
test('no key the stack sets in any function’s environment is taken for a misspelled setting', () => {
  const { template } = synthMirror({
    ...REAL_SETTINGS,
    destinations: 'mal,trakt',
    'mal.prune': 'true',
    'mal.partialDates': 'send',
    'mal.idOverrides': '{"21":21}',
    'mal.clientSecretParameter': '/anilist-mal-mirror/mal-client-secret',
    'mal.username': 'mal-me',
    trakt: {
      clientId: 'trakt-client-id-1234',
      clientSecretParameter: '/anilist-mal-mirror/trakt-client-secret',
      username: 'trakt-me',
      prune: true,
      progress: true,
      idOverrides: { '145064': { movie: 1 } },
    },
    anilistTokenParameter: 'anilist-token',
    mirrorPrivate: 'true',
    exclude: '{"mal":[1535]}',
  });
  const ids = functionIds(template);
  const keys = (role: FunctionRole) => Object.keys(environmentOf(template, ids[role]));
  expect(keys('worker')).toEqual(expect.arrayContaining(['TRAKT_PRUNE', 'ID_OVERRIDES', 'EXCLUDE', 'NODE_OPTIONS']));
  for (const role of ['worker', 'mailer', 'callback'] as const) {
    expect(findUnknownSettings(keys(role), FUNCTION_SETTINGS)).toEqual([]);
  }
});
