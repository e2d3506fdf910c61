import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { AniListClient } from '../shared/anilist/client';
import { systemClock } from '../shared/clock';
import { loadConfig, syncConfigShape } from '../shared/config';
import { createDatasetLoader } from '../shared/destinations/datasets';
import { malIdsFrom } from '../shared/destinations/mal';
import { malWorkerSchema } from '../shared/destinations/mal/config';
import { malAnimeExport, malMangaExport } from '../shared/destinations/mal/export';
import { writeMalXml } from '../shared/destinations/mal/export-xml';
import { malIdOf } from '../shared/destinations/mal/mapping';
import { ConfigError } from '../shared/errors';
import { createJsonLogger } from '../shared/log';
import { MemoryStore } from '../shared/store/memory-store';
import { guardConsoleOutput } from '../shared/text/terminal';
import { ephemeralLocalConfig, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { describeForConsole, plural } from './console';
import { EXPORT_USAGE, parseExportArgs } from './export/args';
import { startAniListSandbox } from './sandbox/anilist';
import { startDatasetServer } from './sandbox/datasets';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

/** The settings the export reads: AniList's, and the MAL mapping's. No MAL app is needed. */
const exportSchema = z.object({
  ANILIST_USERNAME: syncConfigShape.ANILIST_USERNAME,
  ANILIST_TOKEN: syncConfigShape.ANILIST_TOKEN,
  ANILIST_URL: syncConfigShape.ANILIST_URL,
  ANILIST_REQUESTS_PER_MINUTE: syncConfigShape.ANILIST_REQUESTS_PER_MINUTE,
  HTTP_TIMEOUT_MS: syncConfigShape.HTTP_TIMEOUT_MS,
  MIRROR_PRIVATE: syncConfigShape.MIRROR_PRIVATE,
  ANIME_IDS_URL: syncConfigShape.ANIME_IDS_URL,
  ID_OVERRIDES: malWorkerSchema.shape.ID_OVERRIDES,
  PARTIAL_DATES: malWorkerSchema.shape.PARTIAL_DATES,
});

interface ExportSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  close(): Promise<void>;
}

/**
 * Sandbox mode: the sandbox AniList (and the id dataset server) on free ports, seeded like
 * `npm start`'s; its user is the one exported. Real mode: the settings as they are.
 */
async function exportSource(): Promise<ExportSource> {
  const { env, local } = loadLocalEnvironment();
  if (!isSandboxMode(local, env)) return { env, close: async () => {} };
  const free = ephemeralLocalConfig(env);
  const anilist = await startAniListSandbox({
    host: free.LOCAL_HOST,
    port: 0,
    ...(local.SANDBOX_ANILIST_FIXTURE ? { fixture: local.SANDBOX_ANILIST_FIXTURE } : {}),
    ...(env.ANILIST_TOKEN ? { validToken: env.ANILIST_TOKEN } : {}),
  });
  const datasets = await startDatasetServer({
    host: free.LOCAL_HOST,
    port: 0,
    ...(local.SANDBOX_ANIME_IDS_FIXTURE ? { animeIds: local.SANDBOX_ANIME_IDS_FIXTURE } : {}),
  }).catch(async (err: unknown) => {
    await anilist.close();
    throw err;
  });
  return {
    env: {
      ...env,
      ANILIST_URL: anilist.url,
      ANILIST_USERNAME: anilist.store.user.name,
      ANILIST_REQUESTS_PER_MINUTE: env.ANILIST_REQUESTS_PER_MINUTE ?? '0',
      ANIME_IDS_URL: datasets.urls.animeIds,
    },
    close: async () => {
      await datasets.close();
      await anilist.close();
    },
  };
}

/** The list asked for, as the MAL destination maps it. */
async function exportList(settings: z.infer<typeof exportSchema>, user: string, list: 'anime' | 'manga') {
  const http = { fetch, timeoutMs: settings.HTTP_TIMEOUT_MS, clock: systemClock };
  const anilist = new AniListClient({
    ...http,
    url: settings.ANILIST_URL,
    token: settings.ANILIST_TOKEN,
    requestsPerMinute: settings.ANILIST_REQUESTS_PER_MINUTE,
  });
  const mapping = {
    mirrorPrivate: settings.MIRROR_PRIVATE,
    idOverrides: settings.ID_OVERRIDES,
    partialDates: settings.PARTIAL_DATES,
  };
  if (list === 'manga') {
    const { entries } = await anilist.readAll(user, { manga: true });
    return malMangaExport(entries, mapping, user);
  }
  const { entries } = await anilist.readAll(user);
  // As in a sync: the anime id dataset is asked only about entries without an id of their own.
  const missing = entries.filter((e) => malIdOf(e, { idOverrides: settings.ID_OVERRIDES }) === undefined);
  const datasetIds =
    missing.length > 0
      ? malIdsFrom(
          await createDatasetLoader({
            ...http,
            store: new MemoryStore(),
            animeIdsUrl: settings.ANIME_IDS_URL,
            logger: createJsonLogger({ level: 'error' }),
          })(),
          missing.map((e) => e.mediaId),
        )
      : undefined;
  return malAnimeExport(entries, { ...mapping, ...(datasetIds ? { datasetIds } : {}) }, user);
}

async function main(): Promise<void> {
  quietSdkWarnings();
  const request = parseExportArgs(process.argv.slice(2));
  if (request.kind === 'help') {
    console.log(EXPORT_USAGE);
    return;
  }
  if (request.kind === 'usage_error') {
    console.error(`${request.message}\n\n${EXPORT_USAGE}`);
    process.exitCode = 2;
    return;
  }
  const source = await exportSource();
  try {
    const settings = loadConfig(exportSchema, { ...source.env });
    const user = settings.ANILIST_USERNAME;
    if (!user) {
      throw new ConfigError([
        'ANILIST_USERNAME is required: the AniList user whose list is exported (set it in .env or the environment)',
      ]);
    }
    const doc = await exportList(settings, user, request.list);
    const xml = writeMalXml(doc);
    if (request.out) writeFileSync(request.out, xml, { mode: 0o600 });
    else process.stdout.write(xml);
    const where = request.out ? path.resolve(request.out) : 'standard output';
    const leftOut =
      doc.leftOut.length > 0
        ? `; ${plural(doc.leftOut.length, 'entry')} left out, named in the comment at its end`
        : '';
    console.error(
      `Exported ${plural(doc.entries.length, `${doc.kind} entry`, `${doc.kind} entries`)} of AniList user "${user}" to ${where}${leftOut}.\n` +
        'Import it on https://myanimelist.net/import.php (import type "MyAnimeList Import").',
    );
  } finally {
    await source.close();
  }
}

main().catch((err: unknown) => {
  console.error(`Export failed: ${describeForConsole(err)}`);
  process.exit(1);
});
