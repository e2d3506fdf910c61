import type { AuthModule, SecretSetting, TransportContext } from '../module';
import {
  type MalCallbackConfig,
  type MalMailerConfig,
  type MalWorkerConfig,
  malCallbackSchema,
  malMailerSchema,
} from './config';
import { createMalAuth } from './oauth';

export const MAL_CLIENT_SECRET: SecretSetting = {
  value: 'MAL_CLIENT_SECRET',
  parameter: 'MAL_CLIENT_SECRET_PARAMETER',
  functions: ['worker', 'callback'],
};

/** MyAnimeList's OAuth from any function's settings (the mailer's never include the secret). */
export function malAuth(
  config: MalMailerConfig | MalWorkerConfig | MalCallbackConfig,
  context: TransportContext,
  clientSecret?: string,
) {
  return createMalAuth({
    fetch: context.fetch,
    timeoutMs: context.timeoutMs,
    clock: context.clock,
    ...(context.deadline ? { deadline: context.deadline } : {}),
    oauthUrl: config.MAL_OAUTH_URL,
    apiUrl: config.MAL_API_URL,
    clientId: config.MAL_CLIENT_ID,
    refreshTokenLifetimeDays: config.REFRESH_TOKEN_LIFETIME_DAYS,
    ...(clientSecret ? { clientSecret } : {}),
  });
}

/** MyAnimeList as the mailer and the callback see it: settings, secret, OAuth. */
export const malAuthModule: AuthModule<MalMailerConfig, MalCallbackConfig> = {
  key: 'mal',
  label: 'MyAnimeList',
  credentialSetting: 'MAL_CLIENT_ID',
  config: { mailer: malMailerSchema, callback: malCallbackSchema },
  secrets: [MAL_CLIENT_SECRET],

  mailer: (config, context) => ({
    provider: malAuth(config, context),
    ...(config.MAL_USERNAME ? { expectedUser: config.MAL_USERNAME } : {}),
  }),

  async callback(config, context) {
    return {
      provider: malAuth(config, context, await context.readSecret(MAL_CLIENT_SECRET, config)),
      ...(config.MAL_USERNAME ? { expectedUser: config.MAL_USERNAME } : {}),
    };
  },
};
