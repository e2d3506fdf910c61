import { existsSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { loadConfig } from '../shared/config';

/** Settings of the local runtime itself (ports, data folder, sandbox switch). */
const port = z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65_535);

export const localConfigSchema = z.object({
  LOCAL_HOST: z.string().default('127.0.0.1'),
  LOCAL_CALLBACK_PORT: port.default(3000),
  LOCAL_S3_PORT: port.default(4569),
  LOCAL_SES_PORT: port.default(8005),
  SANDBOX_ANILIST_PORT: port.default(4100),
  SANDBOX_MAL_PORT: port.default(4200),
  SYNC_INTERVAL_MINUTES: z.coerce.number({ message: 'must be a number' }).positive('must be above 0').default(15),
  LOCAL_DATA_DIR: z.string().default('.local-data'),
  /** `auto`: sandbox unless MAL_CLIENT_ID is configured. */
  SANDBOX: z.enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' }).default('auto'),
  SANDBOX_ANILIST_FIXTURE: z.string().optional(),
  SANDBOX_MAL_FIXTURE: z.string().optional(),
});

export type LocalConfig = z.infer<typeof localConfigSchema>;

/** Local settings with every port left to the OS: for the demo, one-off runs, tests and benchmarks. */
export function ephemeralLocalConfig(env: Record<string, string | undefined> = {}): LocalConfig {
  return loadConfig(localConfigSchema, {
    ...env,
    LOCAL_CALLBACK_PORT: '0',
    LOCAL_S3_PORT: '0',
    LOCAL_SES_PORT: '0',
    SANDBOX_ANILIST_PORT: '0',
    SANDBOX_MAL_PORT: '0',
  });
}

/**
 * The SDK warns on every process under Node 20 that future releases need Node 22. Lambda runs 22;
 * locally the warning is noise in front of the instructions the user needs to read.
 */
export function quietSdkWarnings(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Loads `.env` (never overriding the real environment), then validates the local settings. */
export function loadLocalEnvironment(cwd = process.cwd()): { env: NodeJS.ProcessEnv; local: LocalConfig } {
  const envFile = path.join(cwd, '.env');
  if (existsSync(envFile)) {
    process.loadEnvFile?.(envFile);
  }
  return { env: process.env, local: loadConfig(localConfigSchema, process.env) };
}

export function isSandboxMode(local: LocalConfig, env: NodeJS.ProcessEnv): boolean {
  if (local.SANDBOX === 'true') return true;
  if (local.SANDBOX === 'false') return false;
  return !env.MAL_CLIENT_ID?.trim();
}
