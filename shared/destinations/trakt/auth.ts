import type { AuthModule, SecretSetting, TransportContext } from '../module';
import {
  type TraktCallbackConfig,
  type TraktMailerConfig,
  type TraktWorkerConfig,
  traktCallbackSchema,
  traktMailerSchema,
} from './config';
import { createTraktAuth } from './oauth';

export const TRAKT_CLIENT_SECRET: SecretSetting = {
  value: 'TRAKT_CLIENT_SECRET',
  parameter: 'TRAKT_CLIENT_SECRET_PARAMETER',
  functions: ['worker', 'callback'],
};

/** Trakt's OAuth from any function's settings (the mailer's never include the secret). */
export function traktAuth(
  config: TraktMailerConfig | TraktWorkerConfig | TraktCallbackConfig,
  context: TransportContext,
  clientSecret?: string,
  refreshRedirectUri?: string,
) {
  return createTraktAuth({
    fetch: context.fetch,
    timeoutMs: context.timeoutMs,
    clock: context.clock,
    ...(context.deadline ? { deadline: context.deadline } : {}),
    authUrl: config.TRAKT_AUTH_URL,
    apiUrl: config.TRAKT_API_URL,
    clientId: config.TRAKT_CLIENT_ID,
    refreshTokenLifetimeDays: config.TRAKT_REFRESH_TOKEN_LIFETIME_DAYS,
    ...(clientSecret ? { clientSecret } : {}),
    ...(refreshRedirectUri ? { refreshRedirectUri } : {}),
  });
}

/** Trakt as the mailer and the callback see it: settings, secret, OAuth. */
export const traktAuthModule: AuthModule<TraktMailerConfig, TraktCallbackConfig> = {
  key: 'trakt',
  label: 'Trakt',
  credentialSetting: 'TRAKT_CLIENT_ID',
  config: { mailer: traktMailerSchema, callback: traktCallbackSchema },
  secrets: [TRAKT_CLIENT_SECRET],

  mailer: (config, context) => ({
    provider: traktAuth(config, context),
    ...(config.TRAKT_USERNAME ? { expectedUser: config.TRAKT_USERNAME } : {}),
  }),

  async callback(config, context) {
    return {
      provider: traktAuth(config, context, await context.readSecret(TRAKT_CLIENT_SECRET, config)),
      ...(config.TRAKT_USERNAME ? { expectedUser: config.TRAKT_USERNAME } : {}),
    };
  },
};
