/** Trakt's hosts (docs/apis.md#trakt-hosts): the API, and the OAuth host it moved to in July 2026. */
export const TRAKT_API_URL = 'https://api.trakt.tv';
export const TRAKT_AUTH_URL = 'https://auth.trakt.tv';
/** Trakt asks apps to name themselves; without a User-Agent its Cloudflare front answers 403. */
export const TRAKT_USER_AGENT = 'anilist-mal-mirror/0.1 (+https://github.com/anilist-mal-mirror)';
