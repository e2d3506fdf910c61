/**
 * The list-edit documents a local tool (the dashboard) sends to the sandbox AniList. They use AniList's
 * real `SaveMediaListEntry` / `DeleteMediaListEntry` mutations, so they would work unchanged against
 * https://graphql.anilist.co; `test/unit/anilist/sandbox-mutations-schema.test.ts` validates them against
 * the vendored schema. Send them with `Authorization: Bearer <AniListSandbox.editToken>`.
 */

/** The fields of the saved entry that come back, the same names the mirror's queries read. */
const ENTRY_FIELDS = `
    id
    mediaId
    status
    score(format: POINT_100)
    progress
    progressVolumes
    repeat
    private
    notes
    startedAt { year month day }
    completedAt { year month day }
    updatedAt
`;

/**
 * Creates (by `mediaId`) or edits (by `id` or `mediaId`) the viewer's entry. Leave a variable out to keep
 * that field as it is; `notes: null` and a date of all nulls clear them. `score` is in the user's score
 * format, `scoreRaw` in POINT_100 (0 = no score); send one of them.
 */
export const SAVE_ENTRY_MUTATION = `mutation SandboxSaveEntry(
  $id: Int
  $mediaId: Int
  $status: MediaListStatus
  $score: Float
  $scoreRaw: Int
  $progress: Int
  $progressVolumes: Int
  $repeat: Int
  $private: Boolean
  $notes: String
  $startedAt: FuzzyDateInput
  $completedAt: FuzzyDateInput
) {
  SaveMediaListEntry(
    id: $id
    mediaId: $mediaId
    status: $status
    score: $score
    scoreRaw: $scoreRaw
    progress: $progress
    progressVolumes: $progressVolumes
    repeat: $repeat
    private: $private
    notes: $notes
    startedAt: $startedAt
    completedAt: $completedAt
  ) {${ENTRY_FIELDS}  }
}`;

/** Removes the viewer's entry `id`; answers `{ DeleteMediaListEntry: { deleted: true } }`. */
export const DELETE_ENTRY_MUTATION = `mutation SandboxDeleteEntry($id: Int) {
  DeleteMediaListEntry(id: $id) {
    deleted
  }
}`;

/** `FuzzyDateInput`: any part may be null (a partial date); all null clears the date. */
export interface FuzzyDateInput {
  readonly year?: number | null;
  readonly month?: number | null;
  readonly day?: number | null;
}

/** The variables of `SAVE_ENTRY_MUTATION`; absent means "leave as it is". */
export interface SaveEntryVariables {
  readonly id?: number;
  readonly mediaId?: number;
  readonly status?: 'CURRENT' | 'PLANNING' | 'COMPLETED' | 'DROPPED' | 'PAUSED' | 'REPEATING';
  readonly score?: number;
  readonly scoreRaw?: number;
  readonly progress?: number;
  readonly progressVolumes?: number;
  readonly repeat?: number;
  readonly private?: boolean;
  readonly notes?: string | null;
  readonly startedAt?: FuzzyDateInput | null;
  readonly completedAt?: FuzzyDateInput | null;
}
