import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, type GraphQLSchema, parse, print, validate, visit } from 'graphql';
import { SANDBOX_DATA_DIR, VENDORED_ANILIST_SCHEMA } from '../../../local/sandbox/anilist/server';
import * as queries from '../../../shared/anilist/queries';

/** Every document `shared/anilist/queries.ts` exports, so one added there is checked here without a list to update. */
const DOCUMENTS: readonly string[] = Object.values(queries).filter((value) => typeof value === 'string');

/** The names of the operations a document defines. */
function operationsOf(document: string): (string | undefined)[] {
  return parse(document).definitions.flatMap((d) => (d.kind === 'OperationDefinition' ? [d.name?.value] : []));
}

// Always the vendored copy: a test must not depend on anything outside the repository.
let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildSchema(readFileSync(VENDORED_ANILIST_SCHEMA, 'utf8'));
});

function errorsOf(document: string): string[] {
  return validate(schema, parse(document)).map((e) => e.message);
}

describe('AniList query documents vs the real schema', () => {
  it('exports the documents the client sends, one named operation each', () => {
    expect(DOCUMENTS.map(operationsOf).sort()).toEqual([
      ['MirrorChangedSince'],
      ['MirrorChangedSinceMore'],
      ['MirrorChangedSinceWithManga'],
      ['MirrorFullList'],
      ['MirrorMangaChangedSinceMore'],
      ['MirrorMangaFullList'],
      ['MirrorPresentMedia'],
      ['MirrorPresentMediaAnyType'],
    ]);
  });

  it.each(DOCUMENTS.map((document) => [operationsOf(document).join(), document] as const))(
    '%s validates',
    (_name, document) => {
      expect(errorsOf(document)).toEqual([]);
    },
  );

  it('rejects a document with a field the schema lacks (the check can fail)', () => {
    const broken = queries.CHANGED_SINCE_QUERY.replace('progress', 'progres');
    expect(errorsOf(broken)).toEqual([expect.stringContaining('Cannot query field "progres" on type "MediaList"')]);
  });

  it('rejects a wrong argument and a wrong enum value', () => {
    expect(errorsOf(queries.FULL_LIST_QUERY.replace('perChunk: $perChunk', 'perChunks: $perChunk')).join('\n')).toMatch(
      /Unknown argument "perChunks"/,
    );
    expect(errorsOf(queries.CHANGED_SINCE_QUERY.replace('UPDATED_TIME_DESC', 'UPDATED_AT_DESC')).join('\n')).toMatch(
      /Value "UPDATED_AT_DESC" does not exist in "MediaListSort" enum/,
    );
  });

  it('always asks for POINT_100 scores', () => {
    const scoreFields: string[] = [];
    for (const document of DOCUMENTS) {
      visit(parse(document), {
        Field(node) {
          if (node.name.value === 'score') scoreFields.push(print(node));
        },
      });
    }
    expect(scoreFields.length).toBeGreaterThan(0);
    expect(new Set(scoreFields)).toEqual(new Set(['score(format: POINT_100)']));
  });
});

describe('the vendored schema', () => {
  it('is the file its provenance note describes (refreshing it means updating the note)', () => {
    const note = readFileSync(path.join(SANDBOX_DATA_DIR, 'README.md'), 'utf8');
    const sha256 = createHash('sha256').update(readFileSync(VENDORED_ANILIST_SCHEMA)).digest('hex');
    expect(note).toContain(`sha256 \`${sha256}\``);
  });
});
