import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/events';
import { KEYS } from '../../shared/store/store';
import { DEFAULTS } from '../defaults';
import type { FunctionWiring } from '../wiring';
import { MirrorFunction } from './mirror-function';
import type { StateStorage } from './state-storage';

export interface ReauthMailerProps {
  /**
   * The state bucket: the mailer reads the tokens' metadata (never the tokens), creates and cleans
   * up the pending authorizations (`auth/pending/*`) and keeps its own state (`auth/mailer-state.json`).
   */
  readonly storage: StateStorage;
  /** The bus whose "Reauth Required" events trigger the mailer at once. */
  readonly eventBus: events.IEventBus;
  /** Failed invocations (after two retries) and undeliverable rule events go here. */
  readonly failureQueue: sqs.IQueue;
  /** Variables every function gets (bucket, bus, log level, destinations, source). */
  readonly commonEnvironment: Readonly<Record<string, string>>;
  /** The enabled destinations' variables and token keys (`wireDestinations`); never a secret. */
  readonly destinations: FunctionWiring;
  /** The callback URL registered with every provider; the mailer builds authorization links with it. */
  readonly redirectUri: string;
  /** Where re-authorization emails go (NOTIFY_EMAIL). */
  readonly notifyEmail: string;
  /** The From address of those emails (SENDER_EMAIL); sending is allowed through its SES identity only. */
  readonly senderEmail: string;
  /**
   * `create`: the stack creates the SES email identity of the sender (SES mails a verification
   * link), and of the recipient too when it differs (needed while the account is in the SES sandbox).
   * `import`: identities already exist and are verified.
   * @default 'create' (DEFAULTS.sesIdentity)
   */
  readonly sesIdentity?: 'create' | 'import';
  /**
   * With `import`: the verified identity the sender belongs to, the address or its domain.
   * @default - the sender address
   */
  readonly sesIdentityName?: string;
  /**
   * Hour (UTC) of the daily authorization check.
   * @default 08:00 UTC (DEFAULTS.mailerDailyHourUtc)
   */
  readonly dailyHourUtc?: number;
  /**
   * Memory of the function in MB.
   * @default 256 (DEFAULTS.mailerMemoryMb)
   */
  readonly memorySize?: number;
}

/**
 * Emails the user a fresh MAL authorization link when the worker reports "Reauth Required", and
 * checks once a day (proactive warning before the refresh token ages out, reminders while broken).
 * Logs `"message":"reauth check"` with `reauthPendingHours`, which the alarms turn into a metric.
 */
export class ReauthMailer extends Construct {
  readonly handler: MirrorFunction;
  readonly onReauthRequired: events.Rule;
  readonly dailyCheck: events.Rule;
  readonly senderIdentity: ses.IEmailIdentity;

  constructor(scope: Construct, id: string, props: ReauthMailerProps) {
    super(scope, id);

    this.handler = new MirrorFunction(this, 'Handler', {
      handlerName: 'reauth-mailer',
      description: `Emails a re-authorization link (${props.destinations.names}) when the sync needs one`,
      environment: {
        ...props.commonEnvironment,
        ...props.destinations.environment,
        NOTIFY_EMAIL: props.notifyEmail,
        SENDER_EMAIL: props.senderEmail,
        CALLBACK_URL: props.redirectUri,
      },
      timeout: DEFAULTS.mailerTimeout,
      memorySize: props.memorySize ?? DEFAULTS.mailerMemoryMb,
      invocation: { kind: 'async', failureQueue: props.failureQueue, retryAttempts: 2 },
    });
    const fn = this.handler.function;

    const { storage } = props;
    const pending = `${KEYS.pendingAuthPrefix}*`;
    const { tokenKeys, tokenMetaKeys } = props.destinations;
    // The tokens' metadata, not the tokens (shared/auth/token-meta.ts). Listing the tokens' keys tells the
    // mailer whether they exist (key names only, no contents).
    storage.grantReadObjects(fn, ...tokenMetaKeys, pending, KEYS.mailerState);
    storage.grantWriteObjects(fn, pending, KEYS.mailerState);
    // The mailer claims "email sent" in its state before sending; when the very first send fails it
    // rolls that claim back by deleting the state object (shared/auth/mailer.ts), so it needs delete on it.
    storage.grantDeleteObjects(fn, pending, KEYS.mailerState);
    storage.grantListKeys(fn, pending, ...tokenKeys, ...tokenMetaKeys, KEYS.mailerState);

    const mode = props.sesIdentity ?? DEFAULTS.sesIdentity;
    const sameAddress = props.notifyEmail.toLowerCase() === props.senderEmail.toLowerCase();
    if (mode === 'create') {
      this.senderIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
        identity: ses.Identity.email(props.senderEmail),
      });
    } else {
      this.senderIdentity = ses.EmailIdentity.fromEmailIdentityName(
        this,
        'SenderIdentity',
        props.sesIdentityName ?? props.senderEmail,
      );
    }
    // `ses:SendEmail` only (shared/auth/mailer.ts uses SES v1 SendEmail): the L2 `grantSendEmail` would
    // add `ses:SendRawEmail` too, which the mailer never calls.
    const identities = [this.senderIdentity];
    // In the SES sandbox, SES also authorizes the send against the recipient's identity ARN.
    if (!sameAddress) {
      identities.push(
        mode === 'create'
          ? new ses.EmailIdentity(this, 'RecipientIdentity', { identity: ses.Identity.email(props.notifyEmail) })
          : ses.EmailIdentity.fromEmailIdentityName(this, 'RecipientIdentity', props.notifyEmail),
      );
    }
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['ses:SendEmail'],
      resourceArns: identities.map((identity) => identity.emailIdentityArn),
    });

    const target = () =>
      new targets.LambdaFunction(fn, {
        deadLetterQueue: props.failureQueue,
        maxEventAge: Duration.hours(1),
        retryAttempts: 2,
      });

    this.onReauthRequired = new events.Rule(this, 'OnReauthRequired', {
      description: 'Emails a re-authorization link when the sync worker needs one',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPES.reauthRequired] },
      targets: [target()],
    });

    this.dailyCheck = new events.Rule(this, 'DailyCheck', {
      description: 'Daily authorization check: proactive warning and reminders',
      schedule: events.Schedule.cron({ minute: '0', hour: String(props.dailyHourUtc ?? DEFAULTS.mailerDailyHourUtc) }),
      targets: [target()],
    });
  }
}
