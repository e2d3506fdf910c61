import { loadWorkerConfig } from '../../shared/destinations';
import type { LocalConfig } from '../config';
import { handlerEnv, LOCAL_BUCKET } from '../system/env';
import type { LoginSetup } from './setup';

/** What `npm run authorize` says around the device flow: where it logs in, and what to run next. */

/** The first line: which mode, and which Trakt. */
export function describeSetup(setup: Pick<LoginSetup, 'mode' | 'sandbox' | 'deps'>, mode: string): string {
  if (setup.mode === 'real') {
    return `Real mode, because ${mode}: connecting your Trakt account through ${setup.deps.authHost}.`;
  }
  const trakt = setup.sandbox;
  return trakt?.source === 'running'
    ? `Sandbox mode, because ${mode}: using the sandbox Trakt already running at ${trakt.apiUrl} ` +
        `(\`npm run sandbox\` or \`npm start\`), auth host ${trakt.authUrl}.`
    : `Sandbox mode, because ${mode}: started a sandbox Trakt for this login at ${trakt?.apiUrl} ` +
        `(auth host ${trakt?.authUrl}); it stops when this command ends.`;
}

/** What to run once Trakt is connected. */
export function nextSteps(
  setup: Pick<LoginSetup, 'mode'>,
  settings: { readonly local: LocalConfig; readonly env: Readonly<Record<string, string | undefined>> },
): string {
  if (setup.mode === 'sandbox') {
    return [
      'Sandbox mode: the tokens went to a throwaway state store, gone when this command ends (sandbox state never',
      'persists; a running `npm start` keeps its own store and still waits for its emailed link). To see a sandbox',
      'sync to Trakt, run `npm start` (DESTINATIONS=mal,trakt, or unset) and click "Connect Trakt" in the emailed link,',
      'or `npm run sync`. To connect your real Trakt account, set TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET in .env',
      'and run this again.',
    ].join('\n');
  }
  const synced = traktIsSynced(settings);
  if (synced === false) {
    return (
      'Next: add trakt to DESTINATIONS in .env (e.g. DESTINATIONS=mal,trakt), then run `npm start` (or `npm run sync`\n' +
      'for one run): until then the mirror does not sync to Trakt.'
    );
  }
  return (
    'Next: run `npm start`. It finds Trakt authorized and syncs to it (and emails a link for any destination still\n' +
    'waiting), or run `npm run sync` for one run.'
  );
}

/**
 * Whether the worker, configured as `npm start` configures it in real mode (DESTINATIONS, or its
 * default), syncs to Trakt; undefined when another setting is missing (`npm start` names it).
 */
function traktIsSynced(settings: {
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
}): boolean | undefined {
  const { local, env } = settings;
  try {
    const workerEnv = handlerEnv(
      { local, env, sandbox: false },
      { callbackUrl: 'http://127.0.0.1/callback', bucket: env.STATE_BUCKET ?? LOCAL_BUCKET },
    );
    return loadWorkerConfig(workerEnv).destinations.some((d) => d.module.key === 'trakt');
  } catch {
    return undefined;
  }
}
