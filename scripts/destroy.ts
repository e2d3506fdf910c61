/**
 * `npm run destroy [-- --force --profile name]`: deletes the mirror stack. The state bucket is
 * retained on purpose (MAL tokens, sync state, list backups) and named at the end, with how to
 * delete it too.
 */
import { MIRROR_STACK_ID } from '../infra/mirror-stack';
import { readOutputs, runCdk } from './cdk-config';

async function main(argv: readonly string[]): Promise<number> {
  // Read before destroying: the outputs file is the only offline record of the generated bucket name.
  const bucket = readOutputs()?.StateBucketName;
  const code = await runCdk(['destroy', MIRROR_STACK_ID, ...argv]);
  if (code !== 0) return code;
  const name = bucket ?? '<the StateBucketName output of the stack>';
  console.log(
    [
      '',
      `The state bucket ${name} was kept: it holds your MAL tokens, the sync state and list backups.`,
      'Redeploying does not reuse it (a new bucket is created). To delete it for good, empty it (all versions)',
      `in the S3 console and delete it, or: aws s3api delete-bucket --bucket ${name} once it is empty.`,
      'SSM parameters you created (MAL client secret, AniList token) are not part of the stack either:',
      '  aws ssm delete-parameter --name <parameter name>',
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
