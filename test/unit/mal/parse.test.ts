import { MalRateLimitError, MalResponseError } from '../../../shared/destinations/mal/errors';
import {
  parseJsonBody,
  parseListItem,
  parseListPage,
  parseListStatus,
  parseMangaListStatus,
} from '../../../shared/destinations/mal/parse';

describe('parseListStatus', () => {
  test('fills fields MAL only sends on request, keeps the optional ones it sent', () => {
    expect(
      parseListStatus({
        status: 'watching',
        score: 0,
        num_episodes_watched: 73,
        is_rewatching: false,
        updated_at: '2021-03-15T09:00:58+00:00',
        start_date: '2022-02',
        tags: [],
        priority: 0,
      }),
    ).toEqual({
      status: 'watching',
      score: 0,
      num_episodes_watched: 73,
      is_rewatching: false,
      num_times_rewatched: 0,
      comments: '',
      updated_at: '2021-03-15T09:00:58+00:00',
      start_date: '2022-02',
      tags: [],
      priority: 0,
    });
  });

  test('unknown statuses and malformed values are a non-retryable MalResponseError', () => {
    for (const raw of [
      { status: 'rewatching' },
      { status: 'watching', score: 11 },
      { status: 'watching', num_episodes_watched: '3' },
      { status: 'watching', start_date: '20/02/2022' },
      { status: 'watching', tags: 'a,b' },
    ]) {
      let caught: unknown;
      try {
        parseListStatus(raw);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MalResponseError);
      expect(caught).toMatchObject({ retryable: false });
    }
  });

  test('null/empty dates read as unset', () => {
    const status = parseListStatus({ status: 'completed', start_date: null, finish_date: '' });
    expect(status).not.toHaveProperty('start_date');
    expect(status).not.toHaveProperty('finish_date');
  });
});

describe('parseMangaListStatus', () => {
  test('reads the manga counts and the fields anime and manga share', () => {
    expect(
      parseMangaListStatus({
        status: 'reading',
        score: 7,
        num_chapters_read: 120,
        finish_date: '2023',
        tags: ['re-read'],
        reread_value: 2,
      }),
    ).toEqual({
      status: 'reading',
      score: 7,
      num_volumes_read: 0,
      num_chapters_read: 120,
      is_rereading: false,
      num_times_reread: 0,
      comments: '',
      finish_date: '2023',
      tags: ['re-read'],
      reread_value: 2,
    });
  });

  test('malformed values are refused as for anime, tags included', () => {
    for (const raw of [
      { status: 'watching' },
      { status: 'reading', score: 11 },
      { status: 'reading', num_chapters_read: '3' },
      { status: 'reading', start_date: '20/02/2022' },
      { status: 'reading', tags: 'a,b' },
      { status: 'reading', tags: [1] },
    ]) {
      expect(() => parseMangaListStatus(raw)).toThrow(MalResponseError);
    }
  });
});

describe('parseListItem / parseListPage', () => {
  test('names the item and anime in errors', () => {
    expect(() => parseListItem({ node: { id: 5, title: 'T' }, list_status: { status: 'x' } }, 3)).toThrow(
      /data\[3\]\.list_status \(anime 5\)\.status is "x"/,
    );
    expect(() => parseListItem({ node: { id: -1, title: 'T' } }, 0)).toThrow(/node\.id/);
  });

  test('a page needs a data array; next is optional', () => {
    expect(parseListPage('GET x', 200, { data: [], paging: {} })).toEqual({ data: [] });
    expect(parseListPage('GET x', 200, { data: [1], paging: { next: 'https://n' } })).toEqual({
      data: [1],
      next: 'https://n',
    });
    expect(() => parseListPage('GET x', 200, { items: [] })).toThrow(MalResponseError);
    expect(() => parseListPage('GET x', 200, { data: [], paging: { next: 5 } })).toThrow(MalResponseError);
  });
});

describe('parseJsonBody', () => {
  test('HTML block page → MalRateLimitError; other non-JSON → retryable MalResponseError', () => {
    expect(() => parseJsonBody('GET x', 200, '<html><title>Request blocked</title></html>')).toThrow(MalRateLimitError);
    let caught: unknown;
    try {
      parseJsonBody('GET x', 200, '{"data":[');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MalResponseError);
    expect(caught).toMatchObject({ malError: 'invalid_json', retryable: true });
  });
});
