/** `npm start -- --help` (the other commands keep their usage beside their code). */
export const START_USAGE = `usage: npm start

Runs the whole mirror on this machine until Ctrl+C: a sync every SYNC_INTERVAL_MINUTES, the reauth
mailer with a local inbox, the OAuth callback and the local dashboard (their addresses are printed
at start), with S3 and SES emulators. .env is read.
Sandbox mode (no destination's client id set, or SANDBOX=true): sandbox AniList, MyAnimeList and
Trakt services stand in for the real ones, and nothing leaves this machine.
Real mode (e.g. MAL_CLIENT_ID set): syncs your real accounts, with the state in LOCAL_DATA_DIR.

Other commands (each takes --help): npm run sync, demo, sandbox, authorize, export, restore,
bench, deploy, destroy, status.`;
