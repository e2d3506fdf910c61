import { json, type Reply } from '../kit/http';

/** The `error` MAL's API names each status with. */
const ERROR_NAMES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'bad_request',
  429: 'too_many_requests',
  500: 'internal_server_error',
};

/** MAL's API error envelope: `{"error": "...", "message": "..."}`. */
export function malError(status: number, message = ''): Reply {
  return json(status, { error: ERROR_NAMES[status] ?? 'error', message });
}

export const notFound = (): Reply => malError(404);
export const methodNotAllowed = (): Reply => malError(405);
export const badRequest = (message: string): Reply => malError(400, message);
