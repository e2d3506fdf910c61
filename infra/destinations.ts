import * as z from 'zod';
import { MAL_CLIENT_SECRET } from '../shared/destinations/mal/auth';
import { PARTIAL_DATE_MODES } from '../shared/destinations/mal/mapping';
import { TRAKT_CLIENT_SECRET } from '../shared/destinations/trakt/auth';
import { KEYS } from '../shared/store/store';
import { bool, optionalText, requiredSsmParameterName, ssmParameterName, text, unsetIfEmpty } from './settings';

/**
 * One destination as the stack deploys it: its `cdk.json` block, and from that block the
 * environment of each function, the SSM parameters each reads, and the state it owns. The stack
 * wires every function from these descriptions; adding a destination adds one entry below.
 */
export interface DestinationDescription<Block extends Record<string, unknown> = Record<string, unknown>> {
  readonly key: string;
  readonly label: string;
  /** The `cdk.json` block (`"mal": {…}`). */
  readonly schema: z.ZodObject<z.ZodRawShape, z.core.$strip>;
  /** Environment variables per function (names only for secrets). */
  environment(block: Block): {
    readonly worker: Record<string, string>;
    readonly mailer: Record<string, string>;
    readonly callback: Record<string, string>;
  };
  /** SSM SecureString parameters the block names, each with the env key that carries its name. */
  secrets(block: Block): readonly {
    readonly id: string;
    readonly parameterName: string;
    readonly envKey: string;
    readonly readers: readonly ('worker' | 'callback')[];
  }[];
  /** The key of its tokens in the state bucket (every function touches it). */
  readonly tokensKey: string;
  /** Where a person registers the callback URL, for the stack's output. */
  readonly redirectHelp: string;
}

/** AniList media id → destination id corrections. cdk.json gives an object, `-c` gives JSON text. */
const idOverrides = (what: string, value: z.ZodType) =>
  z.preprocess((v) => {
    const given = unsetIfEmpty(v);
    if (typeof given !== 'string') return given;
    try {
      return JSON.parse(given) as unknown;
    } catch {
      return given;
    }
  }, z
    .record(z.string().regex(/^\d+$/), value, { message: `must be a JSON object of AniList media id → ${what}` })
    .optional());

const malSchema = z.object({
  /** Client ID of your MAL API app. Not a secret (it appears in every authorization URL). */
  clientId: text,
  /** Optional: the callback refuses tokens for any other MAL account. */
  username: optionalText,
  /** Name of an SSM SecureString holding the MAL client secret (web-type apps only). */
  clientSecretParameter: ssmParameterName,
  /** Delete MAL entries this system wrote whose AniList entry was deleted. Needs `anilistTokenParameter`. */
  prune: bool(false),
  /** Partial AniList dates: `leave` MAL's date alone, or `send` them as YYYY / YYYY-MM (MAL support undocumented). */
  partialDates: z.preprocess(
    unsetIfEmpty,
    z.enum(PARTIAL_DATE_MODES, { message: 'must be leave or send' }).default('leave'),
  ),
  idOverrides: idOverrides('MAL id, e.g. {"21":21}', z.number().int().positive()),
});
type MalBlock = z.infer<typeof malSchema>;

const mal: DestinationDescription<MalBlock> = {
  key: 'mal',
  label: 'MyAnimeList',
  schema: malSchema as never,
  environment: (block) => {
    const auth = { MAL_CLIENT_ID: block.clientId, ...(block.username ? { MAL_USERNAME: block.username } : {}) };
    return {
      worker: {
        MAL_CLIENT_ID: block.clientId,
        PRUNE: String(block.prune),
        PARTIAL_DATES: block.partialDates,
        ...(block.idOverrides && Object.keys(block.idOverrides).length > 0
          ? { ID_OVERRIDES: JSON.stringify(block.idOverrides) }
          : {}),
      },
      mailer: auth,
      callback: auth,
    };
  },
  secrets: (block) =>
    block.clientSecretParameter
      ? [
          {
            id: 'MalClientSecret',
            parameterName: block.clientSecretParameter,
            envKey: MAL_CLIENT_SECRET.parameter,
            readers: MAL_CLIENT_SECRET.functions,
          },
        ]
      : [],
  tokensKey: KEYS.tokens('mal'),
  redirectHelp: 'the App Redirect URL of your MyAnimeList API app (https://myanimelist.net/apiconfig)',
};

const traktOverride = z.union([
  z.null(),
  z.object({ movie: z.number().int().positive() }).strict(),
  z
    .object({
      show: z.number().int().positive(),
      season: z.number().int().min(0),
      episodes: z.string().regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/),
    })
    .strict(),
]);

const traktSchema = z.object({
  /** Client ID of your Trakt API app (creating one needs a Trakt VIP account). Not a secret. */
  clientId: text,
  /** Name of the SSM SecureString holding the app's client secret: Trakt requires it for every token request. */
  clientSecretParameter: requiredSsmParameterName,
  /** Optional: the callback refuses tokens for any other Trakt account. */
  username: optionalText,
  /** Remove plays this system added when their AniList entry leaves COMPLETED or is deleted. Needs `anilistTokenParameter`. */
  prune: bool(false),
  /** No full completion date: Trakt's `unknown` (default), `release` (the air date), or `skip` the entry. Never "now". */
  unknownDate: z.preprocess(
    unsetIfEmpty,
    z.enum(['unknown', 'release', 'skip'], { message: 'must be unknown, release or skip' }).default('unknown'),
  ),
  /** Also add plays for episodes 1..progress of CURRENT, PAUSED and DROPPED entries. */
  progress: bool(false),
  /** A rewatch count adds that many more plays of each episode. */
  rewatches: bool(false),
  idOverrides: idOverrides(
    '{"show": <Trakt id>, "season": <n>, "episodes": "<a-b>"}, {"movie": <Trakt id>} or null',
    traktOverride,
  ),
});
type TraktBlock = z.infer<typeof traktSchema>;

const trakt: DestinationDescription<TraktBlock> = {
  key: 'trakt',
  label: 'Trakt',
  schema: traktSchema as never,
  environment: (block) => {
    const auth = { TRAKT_CLIENT_ID: block.clientId, ...(block.username ? { TRAKT_USERNAME: block.username } : {}) };
    return {
      worker: {
        TRAKT_CLIENT_ID: block.clientId,
        TRAKT_PRUNE: String(block.prune),
        TRAKT_UNKNOWN_DATE: block.unknownDate,
        TRAKT_PROGRESS: String(block.progress),
        TRAKT_REWATCHES: String(block.rewatches),
        ...(block.idOverrides && Object.keys(block.idOverrides).length > 0
          ? { TRAKT_ID_OVERRIDES: JSON.stringify(block.idOverrides) }
          : {}),
      },
      mailer: auth,
      callback: auth,
    };
  },
  secrets: (block) => [
    {
      id: 'TraktClientSecret',
      parameterName: block.clientSecretParameter,
      envKey: TRAKT_CLIENT_SECRET.parameter,
      readers: TRAKT_CLIENT_SECRET.functions,
    },
  ],
  tokensKey: KEYS.tokens('trakt'),
  redirectHelp: 'the Redirect URI of your Trakt API app (https://trakt.tv/oauth/applications)',
};

/** Every destination the stack can deploy, by key. */
export const DESTINATION_BLOCKS: Readonly<Record<string, DestinationDescription>> = {
  mal: mal as unknown as DestinationDescription,
  trakt: trakt as unknown as DestinationDescription,
};

export interface DestinationBlocks {
  readonly mal?: MalBlock;
  readonly trakt?: TraktBlock;
}

/** Settings of the first version, which were MyAnimeList's and now live in its block. */
export const LEGACY_KEYS: Readonly<Record<string, { readonly block: string; readonly field: string }>> = {
  malClientId: { block: 'mal', field: 'clientId' },
  malUsername: { block: 'mal', field: 'username' },
  malClientSecretParameter: { block: 'mal', field: 'clientSecretParameter' },
  prune: { block: 'mal', field: 'prune' },
  partialDates: { block: 'mal', field: 'partialDates' },
  idOverrides: { block: 'mal', field: 'idOverrides' },
};

/**
 * The destinations the stack authorizes (tokens, email, callback): every destination, and MAL when
 * it is the source (`source: "mal"`), which the worker reads from instead of writing.
 */
export function authorizedKeys(config: {
  readonly destinations: readonly string[];
  readonly source: string;
}): string[] {
  return [...new Set([...config.destinations, ...(config.source === 'mal' ? ['mal'] : [])])];
}
