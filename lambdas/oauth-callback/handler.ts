import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleOAuthCallback, type OAuthCallbackDeps } from '../../shared/auth/callback';
import { createEventBridgePublisher } from '../../shared/aws/eventbridge';
import { type CallbackConfig, loadCallbackConfig } from '../../shared/destinations/auth';
import { RequestDeadline } from '../../shared/http/policy';
import { logUnknownSettings } from '../../shared/unknown-settings';
import { createAwsPlatform, lazyHandler, type Platform, secretReader } from '../runtime';

export interface CallbackHandlerDeps {
  readonly callback: Omit<OAuthCallbackDeps, 'redirectUri'>;
  /** Configured redirect URI; when absent it is this function's own URL, taken from the request. */
  readonly redirectUri?: string;
  /** Read by the providers' clients; set per request from the Lambda's remaining time. */
  readonly requestDeadline?: RequestDeadline;
}

/**
 * Provider calls must settle this long before the function times out: storing the tokens,
 * publishing the event and answering still have to fit, or the user gets API Gateway's bare 503
 * instead of a page, after the single-use link is already spent.
 */
export const CALLBACK_RESERVE_MS = 4_000;

/**
 * The redirect_uri sent with the token request must equal the one in the authorize link, which the
 * mailer built from the stack's callback URL: the API's own domain plus the route path.
 */
export function redirectUriFor(event: APIGatewayProxyEventV2, configured: string | undefined): string {
  if (configured) return configured;
  const scheme = event.headers?.['x-forwarded-proto'] ?? 'https';
  return `${scheme}://${event.requestContext.domainName}${event.rawPath}`;
}

export function makeCallbackHandler(deps: CallbackHandlerDeps) {
  return async (
    event: APIGatewayProxyEventV2,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const redirectUri = redirectUriFor(event, deps.redirectUri);
    if (context) {
      deps.requestDeadline?.set(deps.callback.clock.now() + context.getRemainingTimeInMillis() - CALLBACK_RESERVE_MS);
    }
    try {
      const page = await handleOAuthCallback({ ...deps.callback, redirectUri }, event.rawQueryString);
      return { statusCode: page.statusCode, headers: { ...page.headers }, body: page.body };
    } finally {
      deps.requestDeadline?.set(undefined);
    }
  };
}

/** What only the local runtime knows: its dashboard, and a console for each refusal. */
export type LocalCallbackExtras = Pick<OAuthCallbackDeps, 'dashboardUrl' | 'onRefusal'>;

export async function buildCallbackDeps(
  config: CallbackConfig,
  platform: Platform,
  extras: LocalCallbackExtras = {},
): Promise<CallbackHandlerDeps> {
  const { base } = config;
  const requestDeadline = new RequestDeadline();
  const context = {
    fetch: platform.fetch,
    timeoutMs: base.HTTP_TIMEOUT_MS,
    clock: platform.clock,
    deadline: requestDeadline.get,
    logger: platform.logger,
    readSecret: secretReader(platform.readParameter),
  };
  const destinations: OAuthCallbackDeps['destinations'] = Object.fromEntries(
    await Promise.all(
      config.auth.map(async (d) => [d.module.key, await d.module.callback(d.config, context)] as const),
    ),
  );
  return {
    ...(base.CALLBACK_URL ? { redirectUri: base.CALLBACK_URL } : {}),
    requestDeadline,
    callback: {
      store: platform.store,
      clock: platform.clock,
      destinations,
      events: platform.events,
      logger: platform.logger,
      ...extras,
    },
  };
}

export const handler = lazyHandler(async () => {
  logUnknownSettings();
  const config = loadCallbackConfig();
  const platform = createAwsPlatform(config.base, {
    events: createEventBridgePublisher(new EventBridgeClient({}), config.base.EVENT_BUS_NAME),
  });
  return makeCallbackHandler(await buildCallbackDeps(config, platform));
});
