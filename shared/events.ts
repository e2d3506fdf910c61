/**
 * Events between the functions. In AWS they travel over EventBridge; locally the runtime routes
 * them in process. Detail types are part of the CDK rules' patterns, so they live here once.
 */
export const EVENT_SOURCE = 'anilist-mal-mirror';

export const DETAIL_TYPES = {
  /** The worker cannot continue without the user re-authorizing MAL. Triggers the reauth mailer. */
  reauthRequired: 'Reauth Required',
  /** The callback stored fresh tokens. Triggers a sync run at once. */
  authorizationCompleted: 'Authorization Completed',
} as const;

export const REAUTH_REASONS_LIST = ['no_tokens', 'invalid_grant', 'refresh_token_expiring', 'user_mismatch'] as const;
export type ReauthReason = (typeof REAUTH_REASONS_LIST)[number];

export interface ReauthRequiredDetail {
  readonly reason: ReauthReason;
  readonly at: string;
}

export interface AuthorizationCompletedDetail {
  readonly malUser: string | null;
  readonly at: string;
}

export interface EventPublisher {
  publishReauthRequired(detail: ReauthRequiredDetail): Promise<void>;
  publishAuthorizationCompleted(detail: AuthorizationCompletedDetail): Promise<void>;
}
