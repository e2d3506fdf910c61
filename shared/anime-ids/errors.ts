import { AppError } from '../errors';

/**
 * The dataset could not be had: the download failed (network, timeout, an HTTP error status, no time left in
 * the run) and no cached copy exists. Worth another try on a later run.
 */
export class AnimeIdsUnavailableError extends AppError {
  readonly retryable = true;
  /** The dataset's URL without query string or credentials. */
  readonly url: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    const safe = safeUrl(url);
    super('anime_ids_unavailable', `Anime id dataset ${safe} is unavailable and nothing is cached: ${reason}`, options);
    this.url = safe;
  }
}

/**
 * The body is not the dataset expected (not JSON, not an anibridge v3 object, not a rensetsu array). Trying
 * again will not help until the URL or the upstream file changes.
 */
export class AnimeIdsFormatError extends AppError {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super('anime_ids_invalid', message, options);
  }
}

/** A URL fit for messages: no user info, query or fragment (where a token could hide). */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
