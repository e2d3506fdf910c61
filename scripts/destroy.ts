/**
 * `npm run destroy [-- --force --profile name]`: deletes the mirror stack. The state bucket is
 * retained on purpose (MAL tokens, sync state, list backups) and named at the end, with how to
 * delete it too.
 *
 * 0. checks the AWS credentials (STS GetCallerIdentity) and says which account and region it acts
 *    on; without usable credentials it stops there, naming the fix, and never asks anything;
 * 1. reads the stack's outputs (the generated bucket name) BEFORE deleting it: from CloudFormation
 *    through the AWS CLI when it is installed (works after a CI deploy too), else from the last local
 *    `npm run deploy` (cdk.out/outputs.json);
 * 2. asks for confirmation itself (unless `--force`) and runs `cdk destroy --force`: cdk exits 0 also
 *    when its own prompt is answered "no", so its exit code could not tell "deleted" from "kept";
 * 3. checks that the stack is really gone (AWS CLI) before saying so.
 */
import { createInterface } from 'node:readline';
import { MIRROR_STACK_ID } from '../infra/mirror-stack';
import { answerUsage, parseCommandLine } from '../shared/text/args';
import { guardConsoleOutput } from '../shared/text/terminal';
import { accountMismatch, checkCredentials } from './aws-identity';
import {
  awsCliTarget,
  describeMirrorStack,
  pinnedRegion,
  profileArg,
  readOutputs,
  resolveContext,
  runCdk,
  withLocalSettings,
} from './cdk-config';
import { DESTROY_ARGS, DESTROY_USAGE } from './usage';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

async function main(given: readonly string[]): Promise<number> {
  const usage = answerUsage(parseCommandLine(given, DESTROY_ARGS), DESTROY_USAGE);
  if (usage !== undefined) return usage;
  // cdk synthesizes the app to find the stack: it gets the same settings as the deploy did.
  const argv = withLocalSettings(given);
  // Credentials first: without them nothing below can work, and no one should be asked to confirm
  // a deletion that cannot happen, or one in an account they did not expect.
  const profile = profileArg(argv);
  if (profile) process.env.AWS_PROFILE = profile;
  const caller = await checkCredentials(pinnedRegion(argv), profile);
  if (!caller.ok) {
    console.error(`Nothing was deleted. ${caller.message}`);
    return 1;
  }
  const pinned = resolveContext(argv).account;
  const mismatch = accountMismatch(typeof pinned === 'string' ? pinned.trim() : undefined, caller);
  if (mismatch) {
    console.error(`Nothing was deleted. ${mismatch}`);
    return 1;
  }
  console.log(`AWS account ${caller.account}, region ${caller.region} (as ${caller.arn}).`);
  const target = awsCliTarget(argv);
  const before = describeMirrorStack(target);
  if (before.kind === 'absent') {
    console.log(`${MIRROR_STACK_ID} does not exist in this account/region (per the AWS CLI): nothing to destroy.`);
    return 0;
  }
  const bucket =
    (before.kind === 'found' ? before.outputs.StateBucketName : undefined) ?? readOutputs()?.StateBucketName;

  if (!argv.includes('--force')) {
    const answer = await ask(
      `Delete the stack ${MIRROR_STACK_ID} from account ${caller.account} in ${caller.region} (functions, API, alarms, queue, logs, the SES identities it created)?\n` +
        `The state bucket${bucket ? ` ${bucket}` : ''} is kept. Type "yes" to continue: `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      console.log('Cancelled: nothing was deleted.');
      return 1;
    }
  }
  const code = await runCdk(['destroy', MIRROR_STACK_ID, ...argv.filter((a) => a !== '--force'), '--force']);
  if (code !== 0) return code;

  const after = describeMirrorStack(target);
  if (after.kind === 'found') {
    console.error(
      `cdk destroy finished, but ${MIRROR_STACK_ID} still exists (status ${after.status}). ` +
        'Check the stack events in the CloudFormation console.',
    );
    return 1;
  }
  const checked =
    after.kind === 'absent'
      ? `${MIRROR_STACK_ID} is deleted.`
      : `${MIRROR_STACK_ID} is deleted (cdk destroy waited for it; not double-checked: ${after.reason}).`;
  const name = bucket ?? '<the StateBucketName output of the stack>';
  console.log(
    [
      '',
      checked,
      `The state bucket ${name} was kept: it holds your MAL tokens, the sync state and list backups.`,
      ...(bucket ? [] : ['(Its name starts with "mirrorstack-statebucket": aws s3 ls | grep mirrorstack-statebucket)']),
      'Redeploying does not reuse it (a new bucket is created). To delete it for good, empty it (all versions)',
      `in the S3 console and delete it, or: aws s3api delete-bucket --bucket ${name} once it is empty.`,
      'SSM parameters you created (MAL client secret, AniList token) are not part of the stack either:',
      '  aws ssm delete-parameter --name <parameter name>',
    ].join('\n'),
  );
  return 0;
}

/** One line from stdin (a terminal or a pipe); end of input counts as no answer. */
function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    let answered = false;
    rl.on('close', () => {
      if (!answered) resolve('');
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
