import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_DATA_DIR } from './anilist/server';
import { type Exchange, json, startSandboxServer, text, write } from './kit/http';

/** The bundled id datasets: an anibridge v3 file and rensetsu subsets covering the sample list. */
export const SAMPLE_ANIME_IDS = path.join(SANDBOX_DATA_DIR, 'anime-ids', 'mappings.min.json');
const SAMPLE_FALLBACK_TV = path.join(SANDBOX_DATA_DIR, 'anime-ids', 'rensetsu-tv.json');
const SAMPLE_FALLBACK_MOVIES = path.join(SANDBOX_DATA_DIR, 'anime-ids', 'rensetsu-movies.json');

export interface DatasetServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** SANDBOX_ANIME_IDS_FIXTURE: an anibridge v3 file to serve instead of the sample. */
  readonly animeIds?: string;
  /**
   * More counters for `GET /_sandbox/counters`, beside the dataset server's own (`datasets`): the
   * local runtimes put every sandbox's there, so one request shows them all.
   */
  readonly moreCounters?: () => Readonly<Record<string, unknown>>;
}

export interface DatasetServer {
  /** E.g. `http://127.0.0.1:4400`; `/_sandbox/counters` is served there. */
  readonly origin: string;
  /** Where the worker downloads each dataset (ANIME_IDS_URL, TRAKT_FALLBACK_TV_URL, TRAKT_FALLBACK_MOVIES_URL). */
  readonly urls: { readonly animeIds: string; readonly fallbackTv: string; readonly fallbackMovies: string };
  /** Downloads answered, by path, and how many of them were 304s. */
  readonly counters: { requests: number; notModified: number; byPath: Record<string, number> };
  close(): Promise<void>;
}

const COUNTERS_PATH = '/_sandbox/counters';

/**
 * Serves the id datasets over HTTP, as GitHub serves the real release asset and raw files: with an
 * ETag, answering a matching `If-None-Match` with 304. So the worker's real download-and-cache code
 * (at most daily, conditional, streamed) runs offline too. `GET /_sandbox/counters` (not counted)
 * answers `{"datasets": {...}}` and whatever `moreCounters` adds.
 */
export async function startDatasetServer(options: DatasetServerOptions = {}): Promise<DatasetServer> {
  const files: Record<string, string> = {
    '/anibridge/v3/mappings.min.json': options.animeIds ?? SAMPLE_ANIME_IDS,
    '/rensetsu/tv_ex.json': SAMPLE_FALLBACK_TV,
    '/rensetsu/movies_ex.json': SAMPLE_FALLBACK_MOVIES,
  };
  // Read once: a bad fixture path fails the start, naming the file.
  const bodies = Object.fromEntries(
    Object.entries(files).map(([route, file]) => {
      const body = readFileSync(file);
      return [route, { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` }];
    }),
  );
  const counters = { requests: 0, notModified: 0, byPath: {} as Record<string, number> };
  const server = await startSandboxServer({
    ...(options.host ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    handle: (exchange: Exchange) => {
      const route = exchange.url.pathname;
      if (route === COUNTERS_PATH && exchange.method === 'GET') {
        write(exchange.res, json(200, { datasets: counters, ...options.moreCounters?.() }));
        return;
      }
      const file = bodies[route];
      counters.requests++;
      counters.byPath[route] = (counters.byPath[route] ?? 0) + 1;
      if (!file || exchange.method !== 'GET') {
        write(exchange.res, text(404, 'Not Found'));
        return;
      }
      if (exchange.req.headers['if-none-match'] === file.etag) {
        counters.notModified++;
        exchange.res.writeHead(304, { ETag: file.etag }).end();
        return;
      }
      exchange.res
        .writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': String(file.body.length),
          ETag: file.etag,
        })
        .end(file.body);
    },
  });
  return {
    origin: server.origin,
    urls: {
      animeIds: `${server.origin}/anibridge/v3/mappings.min.json`,
      fallbackTv: `${server.origin}/rensetsu/tv_ex.json`,
      fallbackMovies: `${server.origin}/rensetsu/movies_ex.json`,
    },
    counters,
    close: () => server.close(),
  };
}
