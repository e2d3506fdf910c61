import type { Construct } from 'constructs';
import { KEYS } from '../shared/store/store';
import type { MirrorConfig } from './config';
import { SecureParameter } from './constructs/secure-parameter';
import { authorizedKeys, DESTINATION_BLOCKS, type DestinationDescription } from './destinations';

/** What one function needs for the enabled destinations: their variables, secrets and tokens. */
export interface FunctionWiring {
  /** Every enabled destination's variables for this function, merged. */
  readonly environment: Readonly<Record<string, string>>;
  /** The SSM parameters this function reads (granted, with the extension layer). */
  readonly secureParameters: readonly SecureParameter[];
  /** The state-bucket keys of the destinations' tokens. */
  readonly tokenKeys: readonly string[];
  /** The keys of their metadata (`KEYS.tokenMeta`): what the mailer reads instead of the tokens. */
  readonly tokenMetaKeys: readonly string[];
  /** The destinations' names, for descriptions (`MyAnimeList and Trakt`). */
  readonly names: string;
}

export interface DestinationWiring {
  readonly worker: FunctionWiring;
  readonly mailer: FunctionWiring;
  readonly callback: FunctionWiring;
  readonly labels: readonly { readonly key: string; readonly label: string; readonly redirectHelp: string }[];
}

/**
 * Turns each enabled destination's block into what each function needs, from its description in
 * `./destinations.ts`. A destination that is only the source (`source: "mal"`) is authorized like
 * a destination (tokens, email, callback) but the worker reads from it instead of writing.
 */
export function wireDestinations(scope: Construct, config: MirrorConfig): DestinationWiring {
  const enabled = authorizedKeys(config).flatMap((key) => {
    const description = DESTINATION_BLOCKS[key];
    const block = (config as unknown as Record<string, Record<string, unknown> | undefined>)[key];
    return description && block ? [{ description, block }] : [];
  });
  const parameters = new Map<string, SecureParameter>();
  const secretsFor = (role: 'worker' | 'callback') =>
    enabled.flatMap(({ description, block }) =>
      description.secrets(block).flatMap((secret) => {
        if (!secret.readers.includes(role)) return [];
        let parameter = parameters.get(secret.id);
        if (!parameter) {
          parameter = new SecureParameter(scope, secret.id, { parameterName: secret.parameterName });
          parameters.set(secret.id, parameter);
        }
        return [{ parameter, envKey: secret.envKey, name: secret.parameterName }];
      }),
    );
  const wire = (role: 'worker' | 'mailer' | 'callback'): FunctionWiring => {
    // The mailer only builds links: it reads no secret.
    const secrets = role === 'mailer' ? [] : secretsFor(role);
    const environment: Record<string, string> = {};
    for (const { description, block } of enabled) Object.assign(environment, description.environment(block)[role]);
    for (const s of secrets) environment[s.envKey] = s.name;
    return {
      environment,
      secureParameters: secrets.map((s) => s.parameter),
      tokenKeys: enabled.map(({ description }) => description.tokensKey),
      tokenMetaKeys: enabled.map(({ description }) => KEYS.tokenMeta(description.key)),
      names: names(enabled.map(({ description }) => description)),
    };
  };
  return {
    worker: wire('worker'),
    mailer: wire('mailer'),
    callback: wire('callback'),
    labels: enabled.map(({ description }) => ({
      key: description.key,
      label: description.label,
      redirectHelp: description.redirectHelp,
    })),
  };
}

function names(descriptions: readonly DestinationDescription[]): string {
  return descriptions.map((d) => d.label).join(' and ');
}
