import { readFileSync, writeFileSync } from 'node:fs';
import { AnimeIdIndex } from '../shared/anime-ids/anime-id-index';
import { ANIME_IDS_KEYS } from '../shared/anime-ids/cache';
import { loadAnimeIds } from '../shared/anime-ids/load';
import { loadRensetsu } from '../shared/anime-ids/rensetsu';
import { MemoryStore } from '../shared/store/memory-store';
import { peakRssBytes } from './rss';

/**
 * One measurement of bench/anime-ids-memory.ts, in its own process (bundled like a Lambda and run with the heap
 * limits of a 128 MB function): `download <url> <indexOut>`, `cached <indexFile>`, `rensetsu <tvUrl> <moviesUrl>`,
 * `baseline`. Prints one JSON line.
 */

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

function figures(started: bigint) {
  const memory = process.memoryUsage();
  return {
    ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
    peakRssMb: mb(peakRssBytes()),
    rssMb: mb(memory.rss),
    heapUsedMb: mb(memory.heapUsed),
    externalMb: mb(memory.external + memory.arrayBuffers),
  };
}

async function main(): Promise<void> {
  const [mode, a = '', b = ''] = process.argv.slice(2);
  const startRss = mb(process.memoryUsage().rss);
  const started = process.hrtime.bigint();
  const transport = { fetch, timeoutMs: 60_000 };
  if (mode === 'baseline') {
    console.log(JSON.stringify({ mode, startRss, ...figures(started) }));
  } else if (mode === 'download') {
    const store = new MemoryStore();
    const { index, source } = await loadAnimeIds({ store, url: a, ...transport });
    const done = figures(started);
    const text = (await store.get(ANIME_IDS_KEYS.anibridgeIndex))!.body;
    writeFileSync(b, text);
    console.log(
      JSON.stringify({
        mode,
        source,
        startRss,
        ...done,
        indexBytes: Buffer.byteLength(text),
        counts: index.meta.counts,
      }),
    );
  } else if (mode === 'cached') {
    // A warm cache: the index object and its meta in the store, young enough that no request is made.
    const store = new MemoryStore();
    const text = readFileSync(a, 'utf8');
    const { etag } = await store.put(ANIME_IDS_KEYS.anibridgeIndex, text);
    const meta = {
      url: 'http://127.0.0.1:1/x',
      etag: null,
      lastModified: null,
      fetchedAt: Date.now(),
      objectEtag: etag,
      counts: {},
    };
    await store.put(ANIME_IDS_KEYS.anibridgeMeta, JSON.stringify({ v: 1, parts: { index: meta } }));
    const loadStarted = process.hrtime.bigint();
    const { index, source } = await loadAnimeIds({ store, url: meta.url, ...transport });
    const loadMs = Number((process.hrtime.bigint() - loadStarted) / 1_000_000n);
    const ids = index.meta.counts.anilist;
    const lookupStarted = process.hrtime.bigint();
    let found = 0;
    for (let i = 0; i < 100_000; i++) if (index.byAnilist(1 + ((i * 7919) % (ids * 3)))) found++;
    const lookupUs = Number(process.hrtime.bigint() - lookupStarted) / 1000 / 100_000;
    console.log(
      JSON.stringify({
        mode,
        source,
        startRss,
        ...figures(started),
        loadMs,
        lookupUs,
        found,
        reparsed: AnimeIdIndex.parse(text).meta.counts.anilist === ids,
      }),
    );
  } else if (mode === 'rensetsu') {
    const store = new MemoryStore();
    const { index, source } = await loadRensetsu({ store, tvUrl: a, moviesUrl: b, ...transport });
    console.log(JSON.stringify({ mode, source, startRss, ...figures(started), meta: index.meta }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
