import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The credentials one local runtime accepts: random per run, held in memory only. */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Why a request was refused, as S3 names it (its error code, with HTTP 403). */
export interface Refusal {
  readonly code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch';
  readonly message: string;
}

export interface SignedRequest {
  readonly method: string;
  /** The request target as received: path and raw query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Checks an S3 request's AWS Signature V4 (Authorization header) against `credentials`, as S3
 * does: s3rver itself serves anonymous requests and never checks a V4 signature, so without this
 * anyone who reaches its port reads the tokens. The secret never crosses the wire; only a client
 * that holds it can sign. The payload is taken as the signed `x-amz-content-sha256` says (S3 always
 * sends it): the body is not hashed again, since a forged body cannot come with a valid signature
 * for a request the attacker could not sign anyway.
 */
export function checkSigV4(request: SignedRequest, credentials: LocalCredentials): Refusal | undefined {
  const header = single(request.headers.authorization);
  if (!header) return { code: 'AccessDenied', message: 'Anonymous access is refused: sign the request.' };
  const match = AUTHORIZATION.exec(header);
  if (!match)
    return { code: 'AccessDenied', message: 'Only AWS Signature V4 in the Authorization header is accepted.' };
  const [, credential = '', signedHeaderList = '', signature = ''] = match;
  const [accessKeyId, ...scopeParts] = credential.split('/');
  if (accessKeyId !== credentials.accessKeyId) {
    return { code: 'InvalidAccessKeyId', message: 'The access key id is not the one this local runtime made.' };
  }
  const amzDate = single(request.headers['x-amz-date']);
  const payloadHash = single(request.headers['x-amz-content-sha256']);
  if (!amzDate || !payloadHash || scopeParts.length !== 4) {
    return {
      code: 'AccessDenied',
      message: 'x-amz-date, x-amz-content-sha256 and a full credential scope are required.',
    };
  }
  const signedHeaders = signedHeaderList.split(';');
  const canonicalRequest = [
    request.method,
    pathOf(request.url),
    canonicalQuery(request.url),
    ...signedHeaders.map((name) => `${name}:${canonicalValue(request.headers[name])}`),
    '',
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = scopeParts.join('/');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const expected = createHmac('sha256', signingKey(credentials.secretAccessKey, scopeParts))
    .update(stringToSign)
    .digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return { code: 'SignatureDoesNotMatch', message: "The signature does not match: sign with this run's key." };
  }
  return undefined;
}

function signingKey(secret: string, [date = '', region = '', service = '', terminator = '']: string[]): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [date, region, service, terminator]) key = createHmac('sha256', key).update(part).digest();
  return key;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** S3 signs the path as sent (already URI-encoded, never encoded twice). */
function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

/** The query sorted and RFC 3986-encoded; a parameter without `=` is left out, as the SDK signs it. */
function canonicalQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const pairs: [string, string][] = [];
  for (const part of url.slice(start + 1).split('&')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    pairs.push([uriEncode(decode(part.slice(0, eq))), uriEncode(decode(part.slice(eq + 1)))]);
  }
  const byKeyThenValue = (a: [string, string], b: [string, string]) =>
    a[0] === b[0] ? compare(a[1], b[1]) : compare(a[0], b[0]);
  return pairs
    .sort(byKeyThenValue)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Code-unit order, as the SDK's `sort()` of the encoded keys. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
