import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { RENSETSU_MOVIES_SAMPLE_FILE, RENSETSU_TV_SAMPLE_FILE } from '../local/sandbox/anime-ids/build';
import { writeAnibridgeFile, writeRensetsuTvFile } from '../local/sandbox/anime-ids/generate';
import { lambdaBuildOptions, lambdaHeapFlags, REPO_ROOT } from './bundles';

/**
 * Memory and time of the anime id datasets in a 128 MB function. Generates a synthetic anibridge v3 file
 * (default 40,000 AniList media, ~37 MB, seed 1) and a rensetsu tv_ex.json of the real one's size, serves them
 * on loopback, and runs each case in a fresh process bundled like a Lambda (bench/anime-ids-probe.ts) with the
 * heap limits of a 128 MB function (`--max-semi-space-size=6 --max-old-space-size=116`):
 *
 * - download: conditional-free first load, streamed extraction, index stored (in memory, as S3 would get it);
 * - cached: a warm cache, no request: the index text read and parsed, then 100,000 lookups;
 * - rensetsu: both rensetsu files downloaded and streamed;
 * - baseline: the bundle loaded, nothing done.
 *
 *     npx tsx bench/anime-ids-memory.ts [--anilist 40000] [--seed 1] [--memory 128]
 *
 * Files are generated once into the OS temp folder and reused.
 */

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function run(bundle: string, memoryMb: number, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...lambdaHeapFlags(memoryMb), bundle, ...args],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${args[0]} failed: ${stderr || err.message}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  });
}

async function main(): Promise<void> {
  const anilist = flag('--anilist', 40_000);
  const seed = flag('--seed', 1);
  const memoryMb = flag('--memory', 128);
  const dir = path.join(tmpdir(), 'anime-ids-bench');
  mkdirSync(dir, { recursive: true });
  const mappings = path.join(dir, `mappings-${anilist}-${seed}.json`);
  if (!existsSync(mappings)) {
    console.error(`generating ${mappings} …`);
    writeAnibridgeFile(mappings, { anilist, seed });
  }
  const tv = path.join(dir, 'rensetsu-tv-5400.json');
  if (!existsSync(tv))
    writeRensetsuTvFile(
      tv,
      (JSON.parse(readFileSync(RENSETSU_TV_SAMPLE_FILE, 'utf8')) as Record<string, unknown>[])[0]!,
    );

  const bundle = path.join(dir, 'probe.js');
  await build(lambdaBuildOptions(path.join(REPO_ROOT, 'bench/anime-ids-probe.ts'), bundle, { sourcemap: false }));

  const files: Record<string, string> = {
    '/mappings.min.json': mappings,
    '/tv_ex.json': tv,
    '/movies_ex.json': RENSETSU_MOVIES_SAMPLE_FILE,
  };
  const server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    const body = readFileSync(file);
    res.writeHead(200, { etag: `"${createHash('sha1').update(body).digest('hex')}"`, 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const indexFile = path.join(dir, `index-${anilist}-${seed}.txt`);
    const results = {
      file: {
        anilist,
        seed,
        mb: Math.round((statSync(mappings).size / 1048576) * 10) / 10,
        rensetsuTvMb: Math.round((statSync(tv).size / 1048576) * 10) / 10,
      },
      memoryMb,
      baseline: await run(bundle, memoryMb, ['baseline']),
      download: await run(bundle, memoryMb, ['download', `${base}/mappings.min.json`, indexFile]),
      cached: await run(bundle, memoryMb, ['cached', indexFile]),
      rensetsu: await run(bundle, memoryMb, ['rensetsu', `${base}/tv_ex.json`, `${base}/movies_ex.json`]),
      node: process.version,
    };
    console.log(JSON.stringify(results, null, 2));
  } finally {
    server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
