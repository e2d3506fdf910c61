/**
 * `npm run status [-- --runs N --json --profile name --region r]`: how the deployed mirror is doing,
 * read with your own AWS credentials: the last runs' reports (from `reports/` in the state bucket),
 * each destination's authorization (its token metadata, never a token), the next scheduled run,
 * the stack's alarms in ALARM, and where the logs are.
 */
import { MIRROR_STACK_ID } from '../infra/mirror-stack';
import { answerUsage, parseCommandLine } from '../shared/text/args';
import { guardConsoleOutput } from '../shared/text/terminal';
import { pinnedRegion, withLocalSettings } from './cdk-config';
import { StatusError } from './status/errors';
import { formatStatus, statusJson, summarizeStatus } from './status/format';
import { createStatusClients, gatherStatus } from './status/gather';

export const STATUS_USAGE = `usage: npm run status -- [--runs N] [--json] [--profile NAME] [--region REGION]

Shows the deployed mirror (stack ${MIRROR_STACK_ID}) with your own AWS credentials: the last runs
(newest first: time, status, and per destination what was written, what failed, what is left for
the next run and why a run stopped), each destination's authorization, the next scheduled run,
the stack's alarms in ALARM, and how to tail each function's logs.
  --runs N          how many of the last runs to show (default 5)
  --json            print the same as JSON (use npm run -s status -- --json for clean JSON)
  --profile NAME    the AWS profile to use (default: AWS_PROFILE, or your default profile)
  --region REGION   the region you deployed to (default: "region" in cdk.local.json or cdk.json,
                    else AWS_REGION or your profile's region)

Reads only: cloudformation:DescribeStacks, s3:ListBucket and s3:GetObject on reports/* and
auth/token-meta/* of the state bucket, events:DescribeRule, cloudwatch:DescribeAlarms.
Exit status: 0; 1 when the stack or a part of the status could not be read (said in its place);
2 for a usage error.`;

const DEFAULT_RUNS = 5;

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv, { flags: ['--json'], values: ['--runs', '--profile', '--region'] });
  const exit = answerUsage(parsed, STATUS_USAGE);
  if (exit !== undefined || parsed.kind !== 'ok') return exit ?? 2;
  const runs = Number(parsed.values['--runs'] ?? DEFAULT_RUNS);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
    return answerUsage(
      {
        kind: 'usage_error',
        message: `--runs must be a whole number from 1 to 1000 (got "${parsed.values['--runs']}")`,
      },
      STATUS_USAGE,
    )!;
  }
  const profile = parsed.values['--profile'];
  if (profile) process.env.AWS_PROFILE = profile;
  const clients = createStatusClients(parsed.values['--region'] ?? configuredRegion());
  try {
    const data = await gatherStatus(clients, { stackName: MIRROR_STACK_ID, runs });
    const summary = summarizeStatus(data, Date.now());
    console.log(parsed.flags.has('--json') ? statusJson(summary) : formatStatus(summary));
    // A section that could not be read (a missing permission) is shown in place, and the exit status says so.
    const partial = [summary.runs, summary.authorization, summary.schedule, summary.alarmsInAlarm].some((s) => !s.ok);
    return partial ? 1 : 0;
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    console.error(err.message);
    return 1;
  }
}

/** The `region` setting (cdk.json, cdk.local.json), as `npm run deploy` and `npm run destroy` use it. */
function configuredRegion(): string | undefined {
  return pinnedRegion(withLocalSettings([]));
}

guardConsoleOutput();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
