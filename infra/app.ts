import { App } from 'aws-cdk-lib';
import { parseMirrorConfig } from './config';
import { MIRROR_STACK_ID, MirrorStack } from './mirror-stack';
import { addNagPacks } from './nag';

/**
 * Builds the app from CDK context. Exported so tests synthesize exactly what `cdk synth` does,
 * with their own context (e.g. bundling disabled).
 */
export function buildApp(app: App = new App()): { app: App; stack: MirrorStack } {
  const config = parseMirrorConfig(app.node.getAllContext());
  const stack = new MirrorStack(app, MIRROR_STACK_ID, {
    config,
    description: 'anilist-mal-mirror: keeps a MyAnimeList anime list mirrored from AniList',
    // Without account/region in config the template stays environment-agnostic: it deploys to whatever
    // the credentials point at. Falling back to CDK_DEFAULT_REGION instead would bake the CLI's guess
    // (us-east-1 when offline, e.g. in CI's synth job) into ARNs of a template deployed elsewhere.
    env: { account: config.account, region: config.region },
  });
  addNagPacks(app);
  return { app, stack };
}

if (require.main === module) {
  try {
    buildApp();
  } catch (err) {
    // A config error already names every bad key; a stack trace would only bury it.
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
