import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, type GraphQLSchema, parse, print, validate, visit } from 'graphql';
import { SANDBOX_DATA_DIR, VENDORED_ANILIST_SCHEMA } from '../../../local/sandbox/anilist/server';
import { ALL_ANILIST_QUERIES, CHANGED_SINCE_QUERY, FULL_LIST_QUERY } from '../../../shared/anilist/queries';

// Always the vendored copy: a test must not depend on anything outside the repository.
let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildSchema(readFileSync(VENDORED_ANILIST_SCHEMA, 'utf8'));
});

function errorsOf(document: string): string[] {
  return validate(schema, parse(document)).map((e) => e.message);
}

describe('AniList query documents vs the real schema', () => {
  it('exports the documents the client sends', () => {
    expect(ALL_ANILIST_QUERIES.map((q) => q.name).sort()).toEqual([
      'MirrorChangedSince',
      'MirrorChangedSinceMore',
      'MirrorFullList',
      'MirrorPresentMedia',
      'MirrorUser',
    ]);
  });

  it.each(ALL_ANILIST_QUERIES.map((q) => [q.name, q.document] as const))('%s validates', (_name, document) => {
    expect(errorsOf(document)).toEqual([]);
  });

  it('each document defines exactly the operation it is named after', () => {
    for (const { name, document } of ALL_ANILIST_QUERIES) {
      const operations = parse(document).definitions.filter((d) => d.kind === 'OperationDefinition');
      expect(operations.map((o) => ('name' in o ? o.name?.value : undefined))).toEqual([name]);
    }
  });

  it('rejects a document with a field the schema lacks (the check can fail)', () => {
    const broken = CHANGED_SINCE_QUERY.replace('progress', 'progres');
    expect(errorsOf(broken)).toEqual([expect.stringContaining('Cannot query field "progres" on type "MediaList"')]);
  });

  it('rejects a wrong argument and a wrong enum value', () => {
    expect(errorsOf(FULL_LIST_QUERY.replace('perChunk: $perChunk', 'perChunks: $perChunk')).join('\n')).toMatch(
      /Unknown argument "perChunks"/,
    );
    expect(errorsOf(CHANGED_SINCE_QUERY.replace('UPDATED_TIME_DESC', 'UPDATED_AT_DESC')).join('\n')).toMatch(
      /Value "UPDATED_AT_DESC" does not exist in "MediaListSort" enum/,
    );
  });

  it('always asks for POINT_100 scores', () => {
    const scoreFields: string[] = [];
    for (const { document } of ALL_ANILIST_QUERIES) {
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
