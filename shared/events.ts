/**
 * Events between the functions. In AWS they travel over EventBridge; locally the runtime routes
 * them in process. Detail types are part of the CDK rules' patterns, so they live here once.
 */
export const EVENT_SOURCE = 'anilist-mal-mirror';

export const DETAIL_TYPES = {
  /** The worker cannot continue with a destination until the user authorizes it (again). Triggers the reauth mailer. */
  reauthRequired: 'Reauth Required',
  /** The callback stored fresh tokens for a destination. Triggers a sync run at once. */
  authorizationCompleted: 'Authorization Completed',
} as const;

/** Why a destination needs the user: the one list every part of the auth lifecycle uses. */
export const REAUTH_REASONS = ['no_tokens', 'invalid_grant', 'refresh_token_expiring', 'user_mismatch'] as const;
export type ReauthReason = (typeof REAUTH_REASONS)[number];

export function isReauthReason(value: unknown): value is ReauthReason {
  return typeof value === 'string' && (REAUTH_REASONS as readonly string[]).includes(value);
}

export interface ReauthRequiredDetail {
  /** The destination key (`mal`, `trakt`). Absent in events from before there were several: MAL. */
  readonly destination: string;
  readonly reason: ReauthReason;
  readonly at: string;
}

export interface AuthorizationCompletedDetail {
  readonly destination: string;
  /** The account the tokens belong to, as the destination names it. */
  readonly user: string | null;
  readonly at: string;
}

export interface EventPublisher {
  publishReauthRequired(detail: ReauthRequiredDetail): Promise<void>;
  publishAuthorizationCompleted(detail: AuthorizationCompletedDetail): Promise<void>;
}
