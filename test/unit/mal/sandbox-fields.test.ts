import { parseFieldsParam, projectListStatus, readWriteForm } from '../../../local/sandbox/mal/fields';
import type { SandboxListStatus } from '../../../local/sandbox/mal/fixture';

describe('sandbox fields param', () => {
  test('parses nested braces and bare fields', () => {
    const fields = parseFieldsParam('list_status{status,comments,tags},num_episodes,main_picture');
    expect([...(fields.get('list_status') ?? [])]).toEqual(['status', 'comments', 'tags']);
    expect(fields.get('num_episodes')).toBeNull();
    expect(fields.has('main_picture')).toBe(true);
    expect(fields.get('list_status')).not.toBeNull();
    expect(parseFieldsParam('list_status').get('list_status')).toBeNull();
    expect(parseFieldsParam(null).size).toBe(0);
  });

  test('projection keeps the always-present fields and omits unset dates', () => {
    const status: SandboxListStatus = {
      status: 'on_hold',
      score: 3,
      num_episodes_watched: 2,
      is_rewatching: false,
      num_times_rewatched: 1,
      comments: 'c',
      updated_at: 'u',
      priority: 2,
      rewatch_value: 0,
      tags: ['t'],
      finish_date: '2020-01-01',
    };
    expect(projectListStatus(status, new Set(['comments', 'start_date']))).toEqual({
      status: 'on_hold',
      score: 3,
      num_episodes_watched: 2,
      is_rewatching: false,
      updated_at: 'u',
      comments: 'c',
    });
    expect(projectListStatus(status, 'all')).toMatchObject({ finish_date: '2020-01-01', tags: ['t'], priority: 2 });
  });
});

describe('sandbox write form', () => {
  test('maps the write name to the stored read name', () => {
    const result = readWriteForm(new URLSearchParams('num_watched_episodes=7&is_rewatching=1'), {
      acceptPartialDates: false,
    });
    expect(result).toEqual({ ok: true, changes: { num_episodes_watched: 7, is_rewatching: true } });
  });

  test('extra fields, including the read name, are refused', () => {
    expect(readWriteForm(new URLSearchParams('num_episodes_watched=7'), { acceptPartialDates: false })).toEqual({
      ok: false,
      message: 'This form should not contain extra fields.',
    });
  });

  test('partial dates only when configured', () => {
    const form = new URLSearchParams('start_date=2020-05');
    expect(readWriteForm(form, { acceptPartialDates: false })).toEqual({ ok: false, message: 'invalid start_date' });
    expect(readWriteForm(form, { acceptPartialDates: true })).toEqual({ ok: true, changes: { start_date: '2020-05' } });
  });
});
