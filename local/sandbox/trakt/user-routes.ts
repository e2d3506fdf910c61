import { json, type Reply } from '../kit/http';
import type { TraktContext } from './context';
import { traktDateTime } from './dates';

/** `GET /users/settings` and `GET /sync/last_activities` (both need the user's token). */

export function userSettings(ctx: TraktContext): Reply {
  const { user, accountLimits } = ctx.settings;
  const vip = user.vip;
  return json(200, {
    user: {
      username: user.username,
      private: user.private,
      deleted: false,
      name: user.name,
      vip,
      vip_ex: false,
      vip_ep: false,
      director: false,
      ids: { ...user.ids },
      joined_at: traktDateTime(Date.UTC(2020, 0, 1)),
      location: null,
      about: null,
      gender: null,
      age: null,
      images: { avatar: { full: '' } },
    },
    account: { timezone: 'UTC', date_format: 'mdy', time_24hr: false, cover_image: null, token: null },
    connections: {
      facebook: false,
      twitter: false,
      mastodon: false,
      google: false,
      tumblr: false,
      medium: false,
      slack: false,
      apple: false,
      dropbox: false,
      microsoft: false,
    },
    sharing_text: { watching: "I'm watching [item]", watched: 'I just watched [item]', rated: '[item] [stars]' },
    permissions: { commenting: true, liking: true, following: true },
    // Which keys Trakt sends here is not settled; these carry the 2026 account limits.
    limits: {
      list: { count: vip ? 100 : 5, item_count: vip ? 5000 : 250 },
      watchlist: { item_count: vip ? 5000 : 250 },
      favorites: { item_count: vip ? 5000 : 250 },
      collection: { item_count: vip ? 100_000 : 1000 },
      history: { item_count: accountLimits.historyPlays },
      ratings: { item_count: vip ? accountLimits.ratingsVip : accountLimits.ratingsFree },
      connected_apps: { count: vip ? ctx.settings.connectedApps.vipLimit : ctx.settings.connectedApps.freeLimit },
    },
  });
}

export function lastActivities(ctx: TraktContext): Reply {
  return json(200, ctx.store.lastActivities());
}
