import { GraphQLError } from 'graphql';
import type { FuzzyDate } from '../../../shared/anilist/types';
import { anilistError, mediaListObject, type ResolverContext } from './resolvers';
import {
  type SandboxEntry,
  type SandboxEntryInput,
  SCORE_FORMAT_MAX,
  type ScoreFormat,
  scoreToPoint100,
} from './store';

type Args = Record<string, unknown>;

/** Field name → messages, as AniList's `"validation"` error carries them (docs/apis.md#anilist-errors). */
type Problems = Record<string, string[]>;

/** The limits the schema's argument descriptions state ("Min: 0, Max: 1000", ...). */
const LIMITS = {
  scoreRaw: 100,
  repeat: 1000,
  priority: 255,
  notes: 6000,
} as const;

/** Root resolvers of the two list-edit mutations the sandbox implements, for graphql-js's `rootValue`. */
export const mutationRoot = {
  SaveMediaListEntry(args: Args, ctx: ResolverContext) {
    requireViewer(ctx);
    const target = findTarget(args, ctx);
    const input = checkedInput(args, ctx.store.user.scoreFormat);
    const entry = ctx.store.upsertEntry({ ...input, ...target });
    return mediaListObject(entry, ctx.store.user);
  },

  DeleteMediaListEntry(args: Args, ctx: ResolverContext) {
    requireViewer(ctx);
    if (typeof args.id !== 'number') throw validation({ id: ['The id field is required.'] });
    if (!ctx.store.deleteEntry(args.id)) throw anilistError('Not Found.', 404);
    return { deleted: true };
  },
};

/** Mutations act on the viewer's own list, so they need the owner's bearer token (a wrong one is refused earlier). */
function requireViewer(ctx: ResolverContext): void {
  if (!ctx.isOwner) throw anilistError('Unauthorized.', 401);
}

function validation(problems: Problems): GraphQLError {
  return new GraphQLError('validation', { extensions: { status: 400, validation: problems } });
}

/** The entry to edit (by `id`, else by `mediaId`), or the known media a new one is for. */
function findTarget(args: Args, ctx: ResolverContext): Pick<SandboxEntryInput, 'id' | 'mediaId'> {
  const { id, mediaId } = args;
  if (typeof id === 'number') {
    const existing = ctx.store.getEntry(id);
    if (!existing) throw anilistError('Not Found.', 404);
    if (typeof mediaId === 'number' && mediaId !== existing.mediaId) {
      throw validation({ mediaId: [`Entry ${id} is of media ${existing.mediaId}, not ${mediaId}.`] });
    }
    return { id };
  }
  if (typeof mediaId !== 'number') throw validation({ mediaId: ['The media id field is required.'] });
  // A new entry must be of a media AniList knows; the sandbox knows the media of its fixture.
  if (!ctx.store.getMedia(mediaId)) throw validation({ mediaId: ['The selected media id is invalid.'] });
  return { mediaId };
}

/** The fields to change; throws AniList's `validation` error listing every bad value. */
function checkedInput(args: Args, scoreFormat: ScoreFormat): SandboxEntryInput {
  const problems: Problems = {};
  const complain = (field: string, message: string) => {
    problems[field] = [...(problems[field] ?? []), message];
  };
  const whole = (field: string, max?: number): number | undefined => {
    const value = args[field];
    if (typeof value !== 'number') return undefined;
    if (value < 0) complain(field, `The ${field} must be at least 0.`);
    if (max !== undefined && value > max) complain(field, `The ${field} may not be greater than ${max}.`);
    return value;
  };
  const input: Partial<Record<keyof SandboxEntry, unknown>> = {
    status: typeof args.status === 'string' ? args.status : undefined,
    score: scoreOf(args, scoreFormat, complain),
    progress: whole('progress'),
    progressVolumes: whole('progressVolumes'),
    repeat: whole('repeat', LIMITS.repeat),
    priority: whole('priority', LIMITS.priority),
    private: typeof args.private === 'boolean' ? args.private : undefined,
    hiddenFromStatusLists: typeof args.hiddenFromStatusLists === 'boolean' ? args.hiddenFromStatusLists : undefined,
    notes: notesOf(args.notes, complain),
    startedAt: dateOf('startedAt', args.startedAt, complain),
    completedAt: dateOf('completedAt', args.completedAt, complain),
  };
  if (Object.keys(problems).length > 0) throw validation(problems);
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as SandboxEntryInput;
}

/** POINT_100 from `scoreRaw`, else from `score` in the user's own format (whose maximum it must respect). */
function scoreOf(args: Args, format: ScoreFormat, complain: (field: string, message: string) => void) {
  const raw = args.scoreRaw;
  if (typeof raw === 'number') {
    if (raw < 0) complain('scoreRaw', 'The score raw must be at least 0.');
    if (raw > LIMITS.scoreRaw) complain('scoreRaw', `The score raw may not be greater than ${LIMITS.scoreRaw}.`);
    return raw;
  }
  const score = args.score;
  if (typeof score !== 'number') return undefined;
  const max = SCORE_FORMAT_MAX[format];
  if (score < 0) complain('score', 'The score must be at least 0.');
  if (score > max) complain('score', `The score may not be greater than ${max}.`);
  return scoreToPoint100(Math.min(max, Math.max(0, score)), format);
}

function notesOf(notes: unknown, complain: (field: string, message: string) => void): string | null | undefined {
  if (notes === null) return null;
  if (typeof notes !== 'string') return undefined;
  if (notes.length > LIMITS.notes) complain('notes', `The notes may not be greater than ${LIMITS.notes} characters.`);
  // AniList stores an emptied note as no note.
  return notes === '' ? null : notes;
}

/** A `FuzzyDateInput`: null (or all parts null) clears; parts that are given must be a real month / day. */
function dateOf(
  field: string,
  value: unknown,
  complain: (field: string, message: string) => void,
): Partial<FuzzyDate> | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const { year = null, month = null, day = null } = value as Partial<FuzzyDate>;
  if (year !== null && (year < 1000 || year > 9999)) complain(field, `The ${field} year must be 4 digits.`);
  if (month !== null && (month < 1 || month > 12)) complain(field, `The ${field} month must be between 1 and 12.`);
  if (day !== null && (day < 1 || day > 31)) complain(field, `The ${field} day must be between 1 and 31.`);
  return { year, month, day };
}
