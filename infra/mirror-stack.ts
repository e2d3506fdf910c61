import { CfnOutput, Fn, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { exclusionsSetting } from '../shared/sync/exclusions';
import type { MirrorConfig } from './config';
import { Alarms } from './constructs/alarms';
import { FailureQueue } from './constructs/failure-queue';
import { OAuthCallback } from './constructs/oauth-callback';
import { ReauthMailer } from './constructs/reauth-mailer';
import { SecureParameter } from './constructs/secure-parameter';
import { StateStorage } from './constructs/state-storage';
import { SyncWorker } from './constructs/sync-worker';
import { wireDestinations } from './wiring';

/** Construct id of the stack; scripts and CI refer to it. */
export const MIRROR_STACK_ID = 'MirrorStack';

/** The functions use EventBridge's default bus: no extra resource, and the rules below live on it. */
const EVENT_BUS_NAME = 'default';

export interface MirrorStackProps extends StackProps {
  /** Validated deployment settings (`parseMirrorConfig`). */
  readonly config: MirrorConfig;
}

/**
 * Everything the mirror needs in one account: state bucket, sync worker on a schedule, re-auth
 * mailer, OAuth callback API, failure queue and alarms.
 */
export class MirrorStack extends Stack {
  readonly storage: StateStorage;
  readonly worker: SyncWorker;
  readonly mailer: ReauthMailer;
  readonly callback: OAuthCallback;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: MirrorStackProps) {
    super(scope, id, props);
    const { config } = props;
    Tags.of(this).add('app', 'anilist-mal-mirror');

    this.storage = new StateStorage(this, 'State');
    const failures = new FailureQueue(this, 'Failures');
    const eventBus = events.EventBus.fromEventBusName(this, 'Bus', EVENT_BUS_NAME);

    const anilistToken = config.anilistTokenParameter
      ? new SecureParameter(this, 'AnilistToken', { parameterName: config.anilistTokenParameter })
      : undefined;
    const wiring = wireDestinations(this, config);

    const commonEnvironment = {
      STATE_BUCKET: this.storage.bucket.bucketName,
      EVENT_BUS_NAME,
      LOG_LEVEL: config.logLevel,
      DESTINATIONS: config.destinations.join(','),
      SOURCE: config.source,
    };

    this.callback = new OAuthCallback(this, 'OAuthCallback', {
      storage: this.storage,
      eventBus,
      commonEnvironment,
      destinations: wiring.callback,
    });

    this.worker = new SyncWorker(this, 'SyncWorker', {
      storage: this.storage,
      eventBus,
      failureQueue: failures.queue,
      commonEnvironment,
      destinations: wiring.worker,
      anilistUsername: config.anilistUsername,
      syncIntervalMinutes: config.syncIntervalMinutes,
      fullSyncIntervalHours: config.fullSyncIntervalHours,
      mirrorPrivate: config.mirrorPrivate,
      mirrorManga: config.mirrorManga,
      anilistToken,
      callbackUrl: this.callback.callbackUrl,
      ...excludeSetting(config),
    });

    this.mailer = new ReauthMailer(this, 'ReauthMailer', {
      storage: this.storage,
      eventBus,
      failureQueue: failures.queue,
      commonEnvironment,
      destinations: wiring.mailer,
      redirectUri: this.callback.callbackUrl,
      notifyEmail: config.notifyEmail,
      senderEmail: config.senderEmail,
      sesIdentity: config.sesIdentity,
      sesIdentityName: config.sesIdentityName,
    });

    this.alarms = new Alarms(this, 'Alarms', {
      worker: this.worker.handler.function,
      callbackApi: this.callback.api,
      syncIntervalMinutes: config.syncIntervalMinutes,
      mailerLogGroup: this.mailer.handler.logGroup,
      workerLogGroup: this.worker.handler.logGroup,
      destinations: wiring.labels.map((l) => ({ key: l.key, label: l.label })),
      failureQueue: failures.queue,
      reauthAlarmHours: config.reauthAlarmHours,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, 'CallbackUrl', {
      description: `Register this as ${wiring.labels.map((l) => l.redirectHelp).join(', and as ')}`,
      value: this.callback.callbackUrl,
    });
    new CfnOutput(this, 'StateBucketName', {
      description: 'Holds tokens, sync state and backups; retained when the stack is destroyed',
      value: this.storage.bucket.bucketName,
    });
    new CfnOutput(this, 'SyncWorkerFunctionName', {
      description: 'Invoke it to sync now (an authorization link is mailed if MAL is not authorized yet)',
      value: this.worker.handler.function.functionName,
    });
    this.addStatusOutputs(config);
  }

  /**
   * What `npm run status` (scripts/status.ts) and a person tailing logs look up: the other functions,
   * each function's log group (their names are generated, not `/aws/lambda/<function>`), the
   * schedule rule, the alarms and the destinations.
   */
  private addStatusOutputs(config: MirrorConfig): void {
    const outputs: Record<string, { description: string; value: string }> = {
      ReauthMailerFunctionName: {
        description: 'Sends the authorization emails',
        value: this.mailer.handler.function.functionName,
      },
      OAuthCallbackFunctionName: {
        description: 'Answers the authorization links',
        value: this.callback.handler.function.functionName,
      },
      SyncWorkerLogGroupName: {
        description: 'The sync worker’s logs: aws logs tail <this name> --follow --since 1h',
        value: this.worker.handler.logGroup.logGroupName,
      },
      ReauthMailerLogGroupName: {
        description: 'The reauth mailer’s logs',
        value: this.mailer.handler.logGroup.logGroupName,
      },
      OAuthCallbackLogGroupName: {
        description: 'The OAuth callback’s logs',
        value: this.callback.handler.logGroup.logGroupName,
      },
      SyncScheduleRuleName: {
        description: 'The EventBridge rule that starts the sync worker on its schedule',
        value: this.worker.schedule.ruleName,
      },
      AlarmNames: {
        description: 'The stack’s CloudWatch alarms, comma-separated',
        value: Fn.join(
          ',',
          this.alarms.all.map((a) => a.alarmName),
        ),
      },
      Destinations: { description: 'Where the list is mirrored to', value: config.destinations.join(',') },
    };
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }
}

/** The worker's EXCLUDE, only when something is excluded: otherwise its environment is as it always was. */
function excludeSetting(config: MirrorConfig): { exclude?: string } {
  const exclude = config.exclude && exclusionsSetting(config.exclude);
  return exclude ? { exclude } : {};
}
