import {
  type CallbackBaseConfig,
  callbackBaseSchema,
  collectConfig,
  type DestinationKey,
  type MailerBaseConfig,
  mailerBaseSchema,
} from '../config';
import { ConfigError } from '../errors';
import { composeConfig, type FunctionConfig } from './compose';
import { malAuthModule } from './mal/auth';
import type { AuthModule } from './module';
import { traktAuthModule } from './trakt/auth';

/**
 * Every destination's auth side, by key: what the mailer and the callback are built from. One line
 * per destination (its full module is in `./index.ts`).
 */
// biome-ignore lint/suspicious/noExplicitAny: each module's config types are its own
export const AUTH_MODULES: Readonly<Partial<Record<DestinationKey, AuthModule<any, any>>>> = {
  mal: malAuthModule,
  trakt: traktAuthModule,
};

// biome-ignore lint/suspicious/noExplicitAny: see AUTH_MODULES
export type MailerConfig = FunctionConfig<MailerBaseConfig, AuthModule<any, any>>;
// biome-ignore lint/suspicious/noExplicitAny: see AUTH_MODULES
export type CallbackConfig = FunctionConfig<CallbackBaseConfig, AuthModule<any, any>>;

export function loadMailerConfig(env: Record<string, string | undefined> = process.env): MailerConfig {
  const issues: string[] = [];
  const base = collectConfig(mailerBaseSchema, env, issues);
  const config = composeConfig(base, AUTH_MODULES, (m) => m.config.mailer, env, issues);
  if (!config || issues.length > 0) throw new ConfigError(issues);
  return config;
}

export function loadCallbackConfig(env: Record<string, string | undefined> = process.env): CallbackConfig {
  const issues: string[] = [];
  const base = collectConfig(callbackBaseSchema, env, issues);
  const config = composeConfig(base, AUTH_MODULES, (m) => m.config.callback, env, issues);
  if (!config || issues.length > 0) throw new ConfigError(issues);
  return config;
}
