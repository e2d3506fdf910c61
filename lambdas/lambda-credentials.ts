import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias, see
 * `LAMBDA_BUNDLING` in infra/defaults.ts). Lambda always hands a function its role's credentials
 * in environment variables, which is where the default chain ends up in Lambda anyway. The chain's
 * other sources (SSO, shared ini files, web identity, processes, instance metadata) and the STS and
 * SSO clients they carry are dead weight there: about 120 KB of every bundle, parsed at every cold
 * start. Everywhere else (local runtime, tests) the SDK keeps its full default chain.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
