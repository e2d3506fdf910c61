import { MalInvalidInputError } from '../../../shared/destinations/mal/errors';
import { encodeWriteFields, isMalDate } from '../../../shared/destinations/mal/form';
import type { MalWriteFields } from '../../../shared/destinations/mal/types';

function encoded(fields: MalWriteFields): Record<string, string> {
  return Object.fromEntries(encodeWriteFields(fields));
}

describe('encodeWriteFields', () => {
  test('sends only the fields present, under MAL write names, in a fixed order', () => {
    const form = encodeWriteFields({
      finish_date: '2024-03-01',
      num_watched_episodes: 12,
      status: 'completed',
      score: undefined,
    });
    expect(form.toString()).toBe('status=completed&num_watched_episodes=12&finish_date=2024-03-01');
  });

  test('booleans become "true"/"false"; false and 0 are still sent', () => {
    expect(encoded({ is_rewatching: true })).toEqual({ is_rewatching: 'true' });
    expect(encoded({ is_rewatching: false, score: 0, num_times_rewatched: 0 })).toEqual({
      is_rewatching: 'false',
      score: '0',
      num_times_rewatched: '0',
    });
  });

  test('an empty date string is sent, because it clears the date on MAL', () => {
    expect(encodeWriteFields({ start_date: '', finish_date: '' }).toString()).toBe('start_date=&finish_date=');
  });

  test('comments are URL-encoded as a form value', () => {
    expect(encodeWriteFields({ comments: 'a&b=c ü' }).toString()).toBe('comments=a%26b%3Dc+%C3%BC');
  });

  test('unknown fields are refused, naming them; the read name gets a pointer to the write name', () => {
    const withReadName = { num_episodes_watched: 3 } as unknown as MalWriteFields;
    expect(() => encodeWriteFields(withReadName)).toThrow(MalInvalidInputError);
    expect(() => encodeWriteFields(withReadName)).toThrow(/"num_episodes_watched".*num_watched_episodes/);
    const extra = { status: 'watching', end_date: '2020-01-01' } as unknown as MalWriteFields;
    expect(() => encodeWriteFields(extra)).toThrow(/"end_date"/);
    // MAL accepts priority/tags, but the mirror contract does not: they must not slip through.
    expect(() => encodeWriteFields({ priority: 1 } as unknown as MalWriteFields)).toThrow(/"priority"/);
  });

  test('out-of-range or mistyped values are refused with the field named', () => {
    const bad: [MalWriteFields, string][] = [
      [{ score: 11 }, 'score'],
      [{ score: 7.5 }, 'score'],
      [{ num_watched_episodes: -1 }, 'num_watched_episodes'],
      [{ status: 'rewatching' as never }, 'status'],
      [{ is_rewatching: 'true' as never }, 'is_rewatching'],
      [{ start_date: '2024-02-30' }, 'start_date'],
      [{ finish_date: '2024-13' }, 'finish_date'],
      [{ finish_date: '24-02-01' }, 'finish_date'],
      [{ comments: 5 as never }, 'comments'],
    ];
    for (const [fields, name] of bad) {
      let caught: unknown;
      try {
        encodeWriteFields(fields);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MalInvalidInputError);
      expect(caught).toMatchObject({ field: name, retryable: false, code: 'mal_invalid_input' });
    }
  });

  test('an update with nothing to send is refused', () => {
    expect(() => encodeWriteFields({})).toThrow(/no fields/);
    expect(() => encodeWriteFields({ score: undefined })).toThrow(/no fields/);
  });
});

describe('isMalDate', () => {
  test.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2024-13-01', false],
    ['2024-1-01', false],
    // Partial dates, written only with PARTIAL_DATES=send.
    ['2024-02', true],
    ['2024', true],
    ['2024-00', false],
    ['2024-13', false],
    ['0000', false],
    ['2024-2', false],
    ['', false],
  ])('%s → %s', (value, expected) => {
    expect(isMalDate(value)).toBe(expected);
  });
});
