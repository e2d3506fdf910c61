import {
  type AniListSandbox,
  type AniListSandboxOptions,
  DELETE_ENTRY_MUTATION,
  SAVE_ENTRY_MUTATION,
  type SaveEntryVariables,
  startAniListSandbox,
} from '../../../local/sandbox/anilist';
import { createAniListClient } from '../../../shared/anilist/client';
import { ManualClock } from '../../../shared/clock';

const USER = 'MirrorSample';
const START = Date.UTC(2026, 0, 1);
const open: AniListSandbox[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(options: AniListSandboxOptions = {}) {
  const clock = new ManualClock(START);
  const sandbox = await startAniListSandbox({ clock, ...options });
  open.push(sandbox);
  const client = createAniListClient({ url: sandbox.url, fetch, timeoutMs: 5_000, requestsPerMinute: 0, clock });
  return { sandbox, clock, client };
}

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; status?: number; validation?: Record<string, string[]> }[];
}

/** `token` null: no Authorization header at all. */
async function send(sandbox: AniListSandbox, query: string, variables: object, token: string | null) {
  const res = await fetch(sandbox.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GqlBody };
}

const save = (sandbox: AniListSandbox, variables: SaveEntryVariables, token: string | null = sandbox.editToken) =>
  send(sandbox, SAVE_ENTRY_MUTATION, variables, token);
const remove = (sandbox: AniListSandbox, id: number, token: string | null = sandbox.editToken) =>
  send(sandbox, DELETE_ENTRY_MUTATION, { id }, token);

/** Cowboy Bebop in the bundled sample: REPEATING, 9.0 on the user's POINT_10_DECIMAL scale. */
const BEBOP = { id: 4004, mediaId: 1 };

describe('edit token', () => {
  it('is the configured validToken (ANILIST_TOKEN) when there is one', async () => {
    const { sandbox } = await start({ validToken: 'owner-token' });
    expect(sandbox.editToken).toBe('owner-token');
  });

  it('is otherwise random per start, long enough not to be guessed', async () => {
    const a = (await start()).sandbox.editToken;
    const b = (await start()).sandbox.editToken;
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(32);
  });
});

describe('SaveMediaListEntry', () => {
  it('updates the viewer entry, answers a MediaList, and bumps updatedAt to the sandbox clock', async () => {
    const { sandbox, clock } = await start();
    clock.advance(3_600_000);
    const r = await save(sandbox, {
      id: BEBOP.id,
      status: 'COMPLETED',
      score: 7.5,
      progress: 26,
      notes: 'edited <b>here</b>',
      startedAt: { year: 2025, month: 3, day: null },
      completedAt: { year: 2026, month: 1, day: 1 },
    });
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      SaveMediaListEntry: {
        id: BEBOP.id,
        mediaId: BEBOP.mediaId,
        status: 'COMPLETED',
        score: 75,
        progress: 26,
        progressVolumes: null,
        repeat: expect.any(Number),
        private: false,
        notes: 'edited <b>here</b>',
        startedAt: { year: 2025, month: 3, day: null },
        completedAt: { year: 2026, month: 1, day: 1 },
        updatedAt: (START + 3_600_000) / 1000,
      },
    });
    expect(sandbox.store.getEntry(BEBOP.id)).toMatchObject({ status: 'COMPLETED', score: 75, progress: 26 });
  });

  it('leaves out variables untouched, and clears notes and dates sent as null', async () => {
    const { sandbox } = await start();
    await save(sandbox, { id: BEBOP.id, notes: 'keep me?', startedAt: { year: 2024, month: 1, day: 2 } });
    const before = sandbox.store.getEntry(BEBOP.id)!;
    await save(sandbox, { id: BEBOP.id, progress: 3 });
    expect(sandbox.store.getEntry(BEBOP.id)).toMatchObject({ ...before, progress: 3 });
    await save(sandbox, { id: BEBOP.id, notes: null, startedAt: null });
    expect(sandbox.store.getEntry(BEBOP.id)).toMatchObject({
      notes: null,
      startedAt: { year: null, month: null, day: null },
      progress: 3,
    });
  });

  it('takes scoreRaw as POINT_100 whatever the user format', async () => {
    const { sandbox } = await start();
    const r = await save(sandbox, { id: BEBOP.id, scoreRaw: 64 });
    expect(r.body.data?.SaveMediaListEntry).toMatchObject({ score: 64 });
  });

  it('creates an entry by mediaId after a delete (one entry per media, as AniList)', async () => {
    const { sandbox } = await start();
    await remove(sandbox, BEBOP.id);
    const r = await save(sandbox, { mediaId: BEBOP.mediaId, status: 'PLANNING' });
    expect(r.status).toBe(200);
    const created = r.body.data?.SaveMediaListEntry as { id: number; mediaId: number; status: string };
    expect(created).toMatchObject({ mediaId: BEBOP.mediaId, status: 'PLANNING' });
    expect(created.id).not.toBe(BEBOP.id);
    // Saving by mediaId again edits that entry instead of adding a second one.
    await save(sandbox, { mediaId: BEBOP.mediaId, progress: 2 });
    expect(sandbox.store.entries().filter((e) => e.mediaId === BEBOP.mediaId)).toHaveLength(1);
  });

  it('an edit is picked up by the next incremental read (project AniList client)', async () => {
    const { sandbox, clock, client } = await start();
    const first = await client.readChangedSince(USER, 0);
    const watermark = Math.floor(first.serverTime! / 1000);
    clock.advance(60_000);
    expect((await client.readChangedSince(USER, watermark)).entries).toEqual([]);
    await save(sandbox, { id: BEBOP.id, progress: 5 });
    const next = await client.readChangedSince(USER, watermark);
    expect(next.entries.map((e) => [e.id, e.progress, e.updatedAt])).toEqual([[BEBOP.id, 5, watermark + 60]]);
  });
});

describe('DeleteMediaListEntry', () => {
  it('removes the entry: Deleted { deleted: true }, and the next full read no longer has it', async () => {
    const { sandbox, client } = await start();
    expect((await client.readAll(USER)).entries.map((e) => e.id)).toContain(BEBOP.id);
    const r = await remove(sandbox, BEBOP.id);
    expect(r).toEqual({ status: 200, body: { data: { DeleteMediaListEntry: { deleted: true } } } });
    expect((await client.readAll(USER)).entries.map((e) => e.id)).not.toContain(BEBOP.id);
  });

  it('an unknown entry is 404 "Not Found."', async () => {
    const { sandbox } = await start();
    const r = await remove(sandbox, 999_999);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      data: { DeleteMediaListEntry: null },
      errors: [{ message: 'Not Found.', status: 404 }],
    });
  });
});

describe('authentication', () => {
  it.each([
    ['save', (s: AniListSandbox) => save(s, { id: BEBOP.id, progress: 1 }, null)],
    ['delete', (s: AniListSandbox) => remove(s, BEBOP.id, null)],
  ])('%s without a token: 401 "Unauthorized." and nothing changes', async (_name, act) => {
    const { sandbox } = await start();
    const before = sandbox.store.entries();
    const r = await act(sandbox);
    expect(r.status).toBe(401);
    expect(r.body.errors).toEqual([expect.objectContaining({ message: 'Unauthorized.', status: 401 })]);
    expect(sandbox.store.entries()).toEqual(before);
  });

  it('a wrong token: 400 "Invalid token" and nothing changes', async () => {
    const { sandbox } = await start({ validToken: 'owner-token' });
    const before = sandbox.store.entries();
    const r = await save(sandbox, { id: BEBOP.id, progress: 1 }, 'someone-else');
    expect(r).toEqual({ status: 400, body: { data: null, errors: [{ message: 'Invalid token', status: 400 }] } });
    expect((await remove(sandbox, BEBOP.id, 'someone-else')).status).toBe(400);
    expect(sandbox.store.entries()).toEqual(before);
  });

  it('another mutation is refused, not ignored', async () => {
    const { sandbox } = await start();
    const r = await send(sandbox, 'mutation { UpdateUser(about: "x") { id } }', {}, sandbox.editToken);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.message).toMatch(/only the SaveMediaListEntry and DeleteMediaListEntry mutations/);
  });
});

describe('invalid values: AniList validation error, nothing changes', () => {
  const cases: [string, SaveEntryVariables, Record<string, string[]>][] = [
    [
      'score above the user format (POINT_10_DECIMAL)',
      { score: 10.5 },
      { score: ['The score may not be greater than 10.'] },
    ],
    ['negative score', { score: -1 }, { score: ['The score must be at least 0.'] }],
    ['scoreRaw above 100', { scoreRaw: 101 }, { scoreRaw: ['The score raw may not be greater than 100.'] }],
    ['negative progress', { progress: -1 }, { progress: ['The progress must be at least 0.'] }],
    ['repeat above 1000', { repeat: 1001 }, { repeat: ['The repeat may not be greater than 1000.'] }],
    [
      'notes over 6000 characters',
      { notes: 'x'.repeat(6001) },
      { notes: ['The notes may not be greater than 6000 characters.'] },
    ],
    [
      'month 13',
      { completedAt: { year: 2025, month: 13, day: 1 } },
      { completedAt: ['The completedAt month must be between 1 and 12.'] },
    ],
    [
      'two bad fields at once',
      { progress: -2, score: 11 },
      { score: ['The score may not be greater than 10.'], progress: ['The progress must be at least 0.'] },
    ],
  ];

  it.each(cases)('%s', async (_name, variables, validation) => {
    const { sandbox } = await start();
    const before = sandbox.store.entries();
    const r = await save(sandbox, { id: BEBOP.id, ...variables });
    expect(r.status).toBe(400);
    expect(r.body.data).toEqual({ SaveMediaListEntry: null });
    expect(r.body.errors).toEqual([expect.objectContaining({ message: 'validation', status: 400, validation })]);
    expect(sandbox.store.entries()).toEqual(before);
  });

  it('the score range follows the user format: 85 is fine on POINT_100', async () => {
    const { sandbox } = await start({ user: { scoreFormat: 'POINT_100' } });
    const r = await save(sandbox, { id: BEBOP.id, score: 85 });
    expect(r.body.data?.SaveMediaListEntry).toMatchObject({ score: 85 });
  });

  it('a status outside MediaListStatus is refused by the schema', async () => {
    const { sandbox } = await start();
    const r = await send(sandbox, SAVE_ENTRY_MUTATION, { id: BEBOP.id, status: 'WATCHING' }, sandbox.editToken);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.message).toMatch(/Value "WATCHING" does not exist in "MediaListStatus" enum/);
  });

  it('an unknown entry id is 404, an unknown media is a validation error', async () => {
    const { sandbox } = await start();
    const unknownEntry = await save(sandbox, { id: 999_999, progress: 1 });
    expect(unknownEntry.status).toBe(404);
    expect(unknownEntry.body.errors).toEqual([expect.objectContaining({ message: 'Not Found.', status: 404 })]);
    const unknownMedia = await save(sandbox, { mediaId: 987_654_321 });
    expect(unknownMedia.status).toBe(400);
    expect(unknownMedia.body.errors?.[0]?.validation).toEqual({ mediaId: ['The selected media id is invalid.'] });
  });
});
