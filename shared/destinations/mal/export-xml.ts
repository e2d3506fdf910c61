/**
 * MyAnimeList's list XML: the file MAL's export page produces and its import page
 * (https://myanimelist.net/import.php, "MyAnimeList Import") reads. MAL does not document it; the
 * element names, status words and date form are in docs/apis.md#mal-xml with their sources.
 *
 * Text (titles, comments, the user name) is written as escaped character data, not CDATA: every
 * character can then be written, `]]>` included, and the ones a terminal acts on or an XML parser
 * would alter (C1 controls, bidi controls, line separators, carriage returns) become character
 * references, so the file prints safely and parses back to exactly the text it was given. Control
 * characters XML 1.0 cannot hold at all become U+FFFD.
 */

export type MalXmlKind = 'anime' | 'manga';

/** Dates as the XML writes them: `YYYY-MM-DD`, with `00` for what is unknown (`0000-00-00`: no date). */
export type MalXmlDate = string;

export interface MalXmlAnime {
  readonly malId: number;
  readonly title: string;
  /** MAL's media type word (`TV`, `Movie`, `OVA`, …; `Unknown`). */
  readonly seriesType: string;
  /** 0 when unknown. */
  readonly seriesEpisodes: number;
  readonly status: 'watching' | 'completed' | 'on_hold' | 'dropped' | 'plan_to_watch';
  readonly rewatching: boolean;
  readonly score: number;
  readonly watchedEpisodes: number;
  readonly timesWatched: number;
  readonly comments: string;
  readonly startDate: MalXmlDate;
  readonly finishDate: MalXmlDate;
}

export interface MalXmlManga {
  readonly malId: number;
  readonly title: string;
  /** 0 when unknown. */
  readonly volumes: number;
  readonly chapters: number;
  readonly status: 'reading' | 'completed' | 'on_hold' | 'dropped' | 'plan_to_read';
  readonly rereading: boolean;
  readonly score: number;
  readonly readVolumes: number;
  readonly readChapters: number;
  readonly timesRead: number;
  readonly comments: string;
  readonly startDate: MalXmlDate;
  readonly finishDate: MalXmlDate;
}

/** An AniList entry the export could not include, and why: listed in a comment, never dropped silently. */
export interface MalXmlLeftOut {
  readonly mediaId: number;
  readonly title: string;
  readonly reason: string;
}

export type MalXmlDocument =
  | {
      readonly kind: 'anime';
      readonly userName: string;
      readonly entries: readonly MalXmlAnime[];
      readonly leftOut: readonly MalXmlLeftOut[];
    }
  | {
      readonly kind: 'manga';
      readonly userName: string;
      readonly entries: readonly MalXmlManga[];
      readonly leftOut: readonly MalXmlLeftOut[];
    };

/** The words MAL's XML uses for list statuses. */
export const MAL_XML_STATUS_WORDS = {
  watching: 'Watching',
  reading: 'Reading',
  completed: 'Completed',
  on_hold: 'On-Hold',
  dropped: 'Dropped',
  plan_to_watch: 'Plan to Watch',
  plan_to_read: 'Plan to Read',
} as const;

/**
 * 1: an entry already on the MAL list is overwritten with the file's values, as a sync would write
 * them. (0 would import only entries MAL does not have yet.)
 */
export const UPDATE_ON_IMPORT = 1;

type Fields = readonly (readonly [tag: string, value: string | number])[];

/** The whole document, UTF-8 text. */
export function writeMalXml(doc: MalXmlDocument): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<myanimelist>'];
  lines.push(...element('myinfo', myInfo(doc), '  '));
  if (doc.kind === 'anime') for (const e of doc.entries) lines.push(...element('anime', animeFields(e), '  '));
  else for (const e of doc.entries) lines.push(...element('manga', mangaFields(e), '  '));
  if (doc.leftOut.length > 0) lines.push(...leftOutComment(doc.kind, doc.leftOut));
  lines.push('</myanimelist>', '');
  return lines.join('\n');
}

function myInfo(doc: MalXmlDocument): Fields {
  const count = (status: string) =>
    (doc.entries as readonly { status: string }[]).filter((e) => e.status === status).length;
  const common = [
    ['user_name', doc.userName],
    ['user_export_type', doc.kind === 'anime' ? 1 : 2],
    [`user_total_${doc.kind}`, doc.entries.length],
  ] as const;
  return doc.kind === 'anime'
    ? [
        ...common,
        ['user_total_watching', count('watching')],
        ['user_total_completed', count('completed')],
        ['user_total_onhold', count('on_hold')],
        ['user_total_dropped', count('dropped')],
        ['user_total_plantowatch', count('plan_to_watch')],
      ]
    : [
        ...common,
        ['user_total_reading', count('reading')],
        ['user_total_completed', count('completed')],
        ['user_total_onhold', count('on_hold')],
        ['user_total_dropped', count('dropped')],
        ['user_total_plantoread', count('plan_to_read')],
      ];
}

/**
 * Only what this system maps, plus the entry's identity. Fields it does not map (tags, priority,
 * storage, rewatch value) are left out rather than written with defaults, so an import over an
 * existing entry is not handed values for them.
 */
function animeFields(e: MalXmlAnime): Fields {
  return [
    ['series_animedb_id', e.malId],
    ['series_title', e.title],
    ['series_type', e.seriesType],
    ['series_episodes', e.seriesEpisodes],
    ['my_watched_episodes', e.watchedEpisodes],
    ['my_start_date', e.startDate],
    ['my_finish_date', e.finishDate],
    ['my_score', e.score],
    ['my_status', MAL_XML_STATUS_WORDS[e.status]],
    ['my_comments', e.comments],
    ['my_times_watched', e.timesWatched],
    // Anime booleans are 1/0, manga ones YES/NO: MAL's own export does it so.
    ['my_rewatching', e.rewatching ? 1 : 0],
    ['update_on_import', UPDATE_ON_IMPORT],
  ];
}

function mangaFields(e: MalXmlManga): Fields {
  return [
    ['manga_mangadb_id', e.malId],
    ['manga_title', e.title],
    ['manga_volumes', e.volumes],
    ['manga_chapters', e.chapters],
    ['my_read_volumes', e.readVolumes],
    ['my_read_chapters', e.readChapters],
    ['my_start_date', e.startDate],
    ['my_finish_date', e.finishDate],
    ['my_score', e.score],
    ['my_status', MAL_XML_STATUS_WORDS[e.status]],
    ['my_comments', e.comments],
    ['my_times_read', e.timesRead],
    ['my_rereading', e.rereading ? 'YES' : 'NO'],
    ['update_on_import', UPDATE_ON_IMPORT],
  ];
}

function element(name: string, fields: Fields, indent: string): string[] {
  return [
    `${indent}<${name}>`,
    ...fields.map(([tag, value]) => `${indent}  <${tag}>${escapeXmlText(String(value))}</${tag}>`),
    `${indent}</${name}>`,
  ];
}

function leftOutComment(kind: MalXmlKind, leftOut: readonly MalXmlLeftOut[]): string[] {
  const header = `Not in this file: ${leftOut.length} AniList ${kind} ${leftOut.length === 1 ? 'entry' : 'entries'} (AniList media id, title: why)`;
  return [
    '  <!--',
    `    ${commentText(header)}`,
    ...leftOut.map((e) => `    ${commentText(`${e.mediaId}, ${e.title}: ${e.reason}`)}`),
    '  -->',
  ];
}

// biome-ignore-start lint/suspicious/noControlCharactersInRegex: matching control characters is the point
/** What XML 1.0 cannot hold at all, not even as a reference: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
const NOT_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]/gu;
/** Allowed in XML, but acted on by terminals, reordering text, or (CR) normalised away by parsers: written as references. */
const AS_REFERENCE = /[\r\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore-end lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Character data for an element: parses back to `text` (with U+FFFD where XML 1.0 cannot hold a character). */
export function escapeXmlText(text: string): string {
  return text
    .replace(NOT_XML, '\ufffd')
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
    .replace(AS_REFERENCE, (c) => `&#x${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()};`);
}

/**
 * Text for inside a comment, which can hold no reference: what cannot be written as it is becomes
 * U+FFFD, `--` (which would end the comment's well-formedness) gets a space, and no line ends in `-`.
 */
export function commentText(text: string): string {
  const safe = text.replace(NOT_XML, '\ufffd').replace(AS_REFERENCE, '\ufffd').replace(/\n/g, ' ');
  return safe.replace(/-(?=-)/g, '- ').replace(/-$/, '- ');
}
