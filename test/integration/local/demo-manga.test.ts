import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildAniListFixture,
  DEFAULT_SANDBOX_USER,
  generateAniListEntries,
  generateAniListMangaEntries,
} from '../../../local/sandbox/anilist';

/**
 * `npm run demo -- --json` with MIRROR_MANGA=true, as a user runs it from a fresh clone: the AniList
 * fixture holds both lists (`{"data":{"anime":…,"manga":…}}`), and the JSON line gains `malManga`,
 * the sandbox MAL manga list in the shape of MAL's `GET /users/@me/mangalist`.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function runDemo(dir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [TSX, path.join(ROOT, 'local/demo.ts'), '--json'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: dir, ...env },
  });
}

describe('npm run demo with manga', () => {
  let dir: string;
  let fixture: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'demo-manga-'));
    fixture = path.join(dir, 'anilist.json');
    const anime = buildAniListFixture(DEFAULT_SANDBOX_USER, generateAniListEntries(5, 1)) as {
      data: { MediaListCollection: unknown };
    };
    const manga = buildAniListFixture(DEFAULT_SANDBOX_USER, generateAniListMangaEntries(4, 2)) as { data: unknown };
    writeFileSync(fixture, JSON.stringify({ data: { anime: anime.data.MediaListCollection, manga: manga.data } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the JSON line has malManga in MAL mangalist shape, with the mirrored manga', () => {
    const run = runDemo(dir, { MIRROR_MANGA: 'true', SANDBOX_ANILIST_FIXTURE: fixture });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      report: { status: string };
      mal: { data: unknown[] };
      malManga: {
        data: { node: { id: number; title: string }; list_status: Record<string, unknown> }[];
        paging: object;
      };
    };
    expect(out.report.status).toBe('ok');
    expect(out.mal.data).toHaveLength(5);
    expect(out.malManga.paging).toEqual({});
    expect(out.malManga.data).toHaveLength(4);
    for (const item of out.malManga.data) {
      expect(item.node.title).not.toMatch(/^Manga #/);
      expect(item.list_status).toEqual(
        expect.objectContaining({ status: expect.any(String), num_chapters_read: expect.any(Number) }),
      );
    }
  });

  test('without MIRROR_MANGA the JSON line is as before: no malManga', () => {
    const run = runDemo(dir, { SANDBOX_ANILIST_FIXTURE: fixture });
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(out).not.toHaveProperty('malManga');
    expect((out.mal as { data: unknown[] }).data).toHaveLength(5);
  });
});
