import { DESTINATION_KEYS } from '../../shared/config';
import { AUTH_MODULES } from '../../shared/destinations/auth';
import { unknownOption } from '../../shared/text/args';
import { DEVICE_LOGIN_DESTINATIONS } from './setup';

export const AUTHORIZE_USAGE = `usage: npm run authorize -- <destination>      (destinations: ${DESTINATION_KEYS.join(', ')})

Connects a destination from this terminal with its OAuth device flow: prints a code and the page
to enter it on, waits while you approve there, then stores the tokens where the mirror reads them
and says which account is connected.
  trakt   Trakt's device flow.
  mal     MyAnimeList has no device flow: \`npm start\` emails you the link (to its local inbox).

Real mode (TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET in .env): logs in to the real Trakt and stores
the tokens in LOCAL_DATA_DIR, the state \`npm start\` and \`npm run sync\` use. It opens that store
on LOCAL_S3_PORT, so it refuses to run while \`npm start\` is running: stop that first.
Sandbox mode: uses the sandbox Trakt of a running \`npm run sandbox\` or \`npm start\` when one
answers on SANDBOX_TRAKT_PORT, otherwise starts its own; the tokens go to a throwaway state store.`;

/** What the command line asks for. */
export type AuthorizeRequest =
  | { readonly kind: 'help' }
  | { readonly kind: 'device'; readonly destination: string }
  /** A known destination without a device flow: `message` says what to do instead. */
  | { readonly kind: 'no_device'; readonly destination: string; readonly message: string }
  /** A mistake on the command line: `message`, then the usage. */
  | { readonly kind: 'usage_error'; readonly message: string };

export function parseAuthorizeArgs(args: readonly string[]): AuthorizeRequest {
  if (args.includes('--help') || args.includes('-h')) return { kind: 'help' };
  const option = args.find((a) => a.startsWith('-'));
  if (option) return { kind: 'usage_error', message: unknownOption(option, []) };
  if (args.length !== 1) {
    return {
      kind: 'usage_error',
      message:
        args.length === 0
          ? `name the destination to connect: ${DEVICE_LOGIN_DESTINATIONS.join(', ')}`
          : `name one destination, not ${args.join(' ')}`,
    };
  }
  const destination = args[0]!.trim().toLowerCase();
  if (!(DESTINATION_KEYS as readonly string[]).includes(destination)) {
    return {
      kind: 'usage_error',
      message: `unknown destination "${args[0]}": the known ones are ${DESTINATION_KEYS.join(', ')}`,
    };
  }
  if (DEVICE_LOGIN_DESTINATIONS.includes(destination)) return { kind: 'device', destination };
  const label = AUTH_MODULES[destination as keyof typeof AUTH_MODULES]?.label ?? destination;
  return {
    kind: 'no_device',
    destination,
    message:
      `${label} has no device flow, so it cannot be connected from the terminal. Run \`npm start\`: it emails ` +
      `the authorization link to its local inbox and prints it; open it and approve on ${label}.`,
  };
}
