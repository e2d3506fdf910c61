import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { KEYS } from '../../shared/store/store';
import { DEFAULTS } from '../defaults';
import { acknowledge } from '../nag';
import type { FunctionWiring } from '../wiring';
import { grantPublishProjectEvents } from './event-publishing';
import { MirrorFunction } from './mirror-function';
import type { StateStorage } from './state-storage';

export interface OAuthCallbackProps {
  /** The state bucket: the callback consumes pending authorizations and stores the MAL tokens. */
  readonly storage: StateStorage;
  /** The bus the callback publishes "Authorization Completed" on (which starts a sync). */
  readonly eventBus: events.IEventBus;
  /** Variables every function gets (bucket, bus, log level, destinations, source). */
  readonly commonEnvironment: Readonly<Record<string, string>>;
  /** The enabled destinations' variables, client secrets and token keys (`wireDestinations`). */
  readonly destinations: FunctionWiring;
  /**
   * Stage throttling of the public endpoint.
   * @default burst 10, rate 5/s (DEFAULTS.callbackThrottle)
   */
  readonly throttle?: apigw.ThrottleSettings;
  /**
   * Memory of the function in MB.
   * @default 256 (DEFAULTS.callbackMemoryMb)
   */
  readonly memorySize?: number;
}

/**
 * The OAuth redirect target: `GET /callback` on an HTTP API. Exchanges the code, stores the tokens,
 * and publishes "Authorization Completed" (which starts a sync).
 *
 * The function gets no CALLBACK_URL: the API's URL depends on the API, which depends on the
 * function, so it derives the redirect URI from the request's own domain instead.
 */
export class OAuthCallback extends Construct {
  readonly handler: MirrorFunction;
  readonly api: apigw.HttpApi;
  readonly accessLogs: logs.LogGroup;
  /** The URL to register as every provider app's redirect URL. */
  readonly callbackUrl: string;

  constructor(scope: Construct, id: string, props: OAuthCallbackProps) {
    super(scope, id);

    const environment: Record<string, string> = { ...props.commonEnvironment, ...props.destinations.environment };

    this.handler = new MirrorFunction(this, 'Handler', {
      handlerName: 'oauth-callback',
      description: `OAuth redirect target (${props.destinations.names}): stores tokens and starts a sync`,
      environment,
      timeout: DEFAULTS.callbackTimeout,
      memorySize: props.memorySize ?? DEFAULTS.callbackMemoryMb,
      invocation: { kind: 'sync' },
      secureParameters: props.destinations.secureParameters,
    });
    const fn = this.handler.function;

    const pending = `${KEYS.pendingAuthPrefix}*`;
    const { tokenKeys, tokenMetaKeys } = props.destinations;
    // A new authorization replaces the tokens without reading them, then writes their metadata. The
    // metadata (never the tokens) is read too: a link used again says "already connected" when it is.
    props.storage.grantReadObjects(fn, pending, ...tokenMetaKeys);
    props.storage.grantWriteObjects(fn, pending, ...tokenKeys, ...tokenMetaKeys);
    // Listing the metadata's keys makes a missing object read as absent (404) rather than denied.
    props.storage.grantListKeys(fn, pending, ...tokenKeys, ...tokenMetaKeys);
    grantPublishProjectEvents(props.eventBus, fn);

    this.api = new apigw.HttpApi(this, 'Api', {
      description: `OAuth redirect target (${props.destinations.names})`,
      // The stage is declared below so that it can carry throttling and access logs.
      createDefaultStage: false,
    });
    const route = this.api.addRoutes({
      path: '/callback',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('CallbackIntegration', fn),
    });
    for (const r of route) {
      acknowledge(r, {
        id: 'AwsSolutions-APIG4',
        reason:
          'The OAuth redirect target must be reachable by the user’s browser straight from the provider (MyAnimeList, Trakt) without credentials; the handler only accepts a `state` the stack issued itself (a pending record in S3 holding the PKCE verifier), and the stage is throttled.',
      });
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: DEFAULTS.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const throttle = props.throttle ?? DEFAULTS.callbackThrottle;
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { burstLimit: throttle.burstLimit, rateLimit: throttle.rateLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // JSON, and deliberately without the query string: it carries the OAuth `code` and `state`.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLatency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    this.callbackUrl = `${this.api.apiEndpoint}/callback`;
  }
}
