import { ephemeralLocalConfig } from '../../local/config';
import type { SandboxEntry } from '../../local/sandbox/anilist';
import { approveLatestEmail } from '../../local/story';
import { type LocalSystem, startLocalSystem } from '../../local/system';
import type { Clock } from '../../shared/clock';
import { type Logger, silentLogger } from '../../shared/log';
import type { RunReport } from '../../shared/sync/report';

export interface TestSystem extends LocalSystem {
  readonly reports: RunReport[];
  readonly errors: unknown[];
}

/**
 * The whole local system in sandbox mode on free loopback ports, tuned for fast, deterministic
 * tests. It mirrors to MAL only unless `env.DESTINATIONS` says otherwise: most suites are about one
 * destination's behaviour, and a second one waiting for authorization would change every status.
 */
export async function startTestSystem(
  options: {
    env?: Record<string, string>;
    /** Local runtime settings, e.g. SANDBOX_ANILIST_FIXTURE. */
    local?: Record<string, string>;
    clock?: Clock;
    anilistEntries?: readonly SandboxEntry[];
    /** Default: silent. */
    logger?: Logger;
  } = {},
): Promise<TestSystem> {
  const reports: RunReport[] = [];
  const errors: unknown[] = [];
  const local = ephemeralLocalConfig(options.local);
  const system = await startLocalSystem({
    local,
    env: {
      HTTP_RETRY_BASE_DELAY_MS: '20',
      HTTP_TIMEOUT_MS: '2000',
      DEADLINE_SAFETY_MS: '0',
      DESTINATIONS: 'mal',
      ...options.env,
    },
    sandbox: true,
    logger: options.logger ?? silentLogger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.anilistEntries ? { anilistEntries: options.anilistEntries } : {}),
    onReport: (r) => reports.push(r),
    onError: (_where, err) => errors.push(err),
  });
  return Object.assign(system, { reports, errors });
}

/** The used-by story without a browser: reauth email → link → Approve → callback → first sync. */
export async function authorize(system: TestSystem): Promise<RunReport> {
  const mail = await system.runMailer();
  if (!mail.sent) throw new Error(`mailer did not send: ${mail.why}`);
  const story = await approveLatestEmail(system);
  if (story.callbackStatus !== 200) throw new Error(`callback answered ${story.callbackStatus}`);
  await system.settle();
  const report = system.reports.at(-1);
  if (!report) throw new Error(`no sync after authorization: ${system.errors.map(String).join('; ')}`);
  return report;
}
