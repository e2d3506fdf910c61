/**
 * What to do after a deploy, from the stack's outputs and the settings: printed by `npm run deploy`
 * and written to the GitHub Actions job summary by the deploy workflow's "Next steps" job:
 *
 *   npx tsx scripts/deploy-summary.ts --outputs outputs.json [--hide-addresses] [-c key=value ...]
 *
 * prints Markdown. `--hide-addresses` (the workflow sets it for a public repository, whose run
 * summaries anyone can read) shortens the email addresses and puts placeholders in the commands.
 */
import * as fs from 'node:fs';
import type { MirrorConfig } from '../infra/config';
import { authorizedKeys } from '../infra/destinations';
import { MIRROR_STACK_ID } from '../infra/mirror-stack';
import { checkDeployConfig, type StackOutputs } from './cdk-config';

export type SummaryOutputs = StackOutputs;

export type SummaryConfig = Pick<
  MirrorConfig,
  'destinations' | 'source' | 'senderEmail' | 'notifyEmail' | 'sesIdentity' | 'sesIdentityName' | 'syncIntervalMinutes'
>;

export interface SummaryInput {
  readonly config: SummaryConfig;
  readonly outputs: SummaryOutputs;
  readonly region: string;
  readonly hideAddresses?: boolean;
}

export interface Step {
  readonly title: string;
  /** Sentences; a URL or value to copy is in backticks. */
  readonly lines: readonly string[];
  readonly commands: readonly string[];
}

/** The region from the callback URL (`https://<id>.execute-api.<region>.amazonaws.com/callback`). */
export function regionOfCallbackUrl(url: string | undefined): string | undefined {
  return url?.match(/\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/)?.[1];
}

/** `me@gmail.com` → `m…@gmail.com`: enough to recognise, not to harvest. */
function shortened(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}…@${domain}`;
}

export function nextSteps(input: SummaryInput): Step[] {
  return [redirectStep(input), sesStep(input), firstEmailStep(input), statusStep(input)];
}

function redirectStep({ config, outputs }: SummaryInput): Step {
  const url = outputs.CallbackUrl ?? `(the CallbackUrl output of ${MIRROR_STACK_ID})`;
  const keys = authorizedKeys(config);
  const lines = [`The callback URL is \`${url}\`. Register it exactly, in every app the mirror connects to:`];
  if (keys.includes('mal')) {
    lines.push(
      'MyAnimeList: https://myanimelist.net/apiconfig → your app → Edit → **App Redirect URL**: replace it with the URL above.',
    );
  }
  if (keys.includes('trakt')) {
    lines.push(
      'Trakt: https://trakt.tv/oauth/applications → your app → Edit → **Redirect URI**: add the URL above on its own line (keep `http://127.0.0.1:3000/callback` for `npm start`).',
    );
  }
  return { title: 'Register the redirect URL', lines, commands: [] };
}

function sesStep({ config, region, hideAddresses }: SummaryInput): Step {
  const shown = (a: string) => (hideAddresses ? shortened(a) : a);
  const arg = (a: string, name: string) => (hideAddresses ? `<${name}>` : a);
  const same = config.senderEmail.toLowerCase() === config.notifyEmail.toLowerCase();
  const consoleUrl = `https://${region}.console.aws.amazon.com/ses/home?region=${region}#/identities`;
  const check = (a: string, name: string) =>
    `aws sesv2 get-email-identity --email-identity ${arg(a, name)} --region ${region} --query VerifiedForSendingStatus`;
  const commands = [check(config.senderEmail, 'senderEmail')];
  if (!same) commands.push(check(config.notifyEmail, 'notifyEmail'));
  const lines: string[] = [];
  if (config.sesIdentity === 'create') {
    lines.push(
      `SES emailed a verification link ("Amazon Web Services – Email Address Verification Request in region …") to ${shown(config.senderEmail)}` +
        (same
          ? '.'
          : ` and to ${shown(config.notifyEmail)} (while your SES account is in the sandbox, the recipient must be verified too).`),
      'Click each link within 24 hours. Lost or expired? Send it again: ' +
        `\`aws ses verify-email-identity --email-address ${arg(config.senderEmail, 'senderEmail')} --region ${region}\`` +
        (same ? '.' : ' (the same for notifyEmail).'),
    );
  } else {
    const identity = config.sesIdentityName ?? config.senderEmail;
    lines.push(
      `Imported identity: ${hideAddresses ? shortened(identity) : identity} must be verified in ${region} already.`,
    );
    if (!same) {
      lines.push(
        `While your SES account is in the sandbox, ${shown(config.notifyEmail)} must be verified too; if it is not an identity yet: ` +
          `\`aws sesv2 create-email-identity --email-identity ${arg(config.notifyEmail, 'notifyEmail')} --region ${region}\` (SES emails the link).`,
      );
    }
  }
  lines.push(
    `Each check below prints \`true\` once verified; or see ${consoleUrl}. In the sandbox? \`aws sesv2 get-account --region ${region} --query ProductionAccessEnabled\` prints \`false\`.`,
  );
  return { title: 'Verify the SES identities', lines, commands };
}

function firstEmailStep({ config, outputs, region, hideAddresses }: SummaryInput): Step {
  const worker = outputs.SyncWorkerFunctionName ?? '<the SyncWorkerFunctionName output>';
  const logs = outputs.SyncWorkerLogGroupName ?? '<the SyncWorkerLogGroupName output>';
  const to = hideAddresses ? shortened(config.notifyEmail) : config.notifyEmail;
  return {
    title: 'Watch for the first email',
    lines: [
      `Once the sender is verified, the next sync run (every ${config.syncIntervalMinutes} minutes) finds no tokens and emails ${to} one message with a button per destination. Look in the spam folder too.`,
      'Open each button and allow access; the callback stores the tokens and starts the first sync. To send the email now, and to follow the run:',
    ],
    commands: [
      `aws lambda invoke --function-name ${worker} --invocation-type Event --region ${region} /dev/null`,
      `aws logs tail ${logs} --follow --since 1h --region ${region}`,
    ],
  };
}

function statusStep({ region }: SummaryInput): Step {
  return {
    title: 'Check on it',
    lines: [
      `From a clone of this repository, with your AWS credentials for this account (AWS_PROFILE or \`-- --profile <name>\`) and AWS_REGION=${region}:`,
    ],
    commands: ['npm run status'],
  };
}

export function renderMarkdown(steps: readonly Step[], warnings: readonly string[] = []): string {
  const out = ['### Deployed: next steps', ''];
  for (const w of warnings) out.push(`> [!WARNING]`, `> ${w}`, '');
  steps.forEach((step, i) => {
    out.push(`${i + 1}. **${step.title}**`, '');
    for (const line of step.lines) out.push(`   ${line}`, '');
    if (step.commands.length > 0) out.push('   ```sh', ...step.commands.map((c) => `   ${c}`), '   ```', '');
  });
  return out.join('\n');
}

/** The terminal version: no Markdown, commands indented to copy. */
export function renderText(steps: readonly Step[], warnings: readonly string[] = []): string {
  const plain = (s: string) => s.replace(/\*\*|`/g, '');
  const out = ['', 'Deployed. Next steps:'];
  for (const w of warnings) out.push(`  Warning: ${w}`);
  steps.forEach((step, i) => {
    out.push(`  ${i + 1}. ${step.title}`);
    for (const line of step.lines) out.push(`     ${plain(line)}`);
    for (const c of step.commands) out.push(`       ${c}`);
  });
  return out.join('\n');
}

/** `{ "MirrorStack": { "CallbackUrl": … } }`, as `cdk deploy --outputs-file` writes it. */
export function readOutputsFile(file: string): SummaryOutputs {
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, SummaryOutputs>;
  const outputs = all[MIRROR_STACK_ID];
  if (!outputs) throw new Error(`${file} holds no outputs of ${MIRROR_STACK_ID}`);
  return outputs;
}

const USAGE = 'Usage: npx tsx scripts/deploy-summary.ts --outputs <outputs.json> [--hide-addresses] [-c key=value ...]';

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const at = argv.indexOf('--outputs');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (!file) {
    console.error(`--outputs <file> is required.\n${USAGE}`);
    return 2;
  }
  const rest = argv.filter((a, i) => i !== at && i !== at + 1 && a !== '--hide-addresses');
  const unknown = rest.find((a, i) => a.startsWith('-') && a !== '-c' && rest[i - 1] !== '-c');
  if (unknown) {
    console.error(`Unknown option ${unknown}.\n${USAGE}`);
    return 2;
  }
  const check = checkDeployConfig(rest);
  if (!check.ok) {
    console.error(check.message);
    return 1;
  }
  const outputs = readOutputsFile(file);
  const region =
    check.config.region ?? regionOfCallbackUrl(outputs.CallbackUrl) ?? process.env.AWS_REGION ?? '<region>';
  const steps = nextSteps({ config: check.config, outputs, region, hideAddresses: argv.includes('--hide-addresses') });
  console.log(renderMarkdown(steps, check.warnings));
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
