import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLSchema, parse, validate } from 'graphql';
import { DELETE_ENTRY_MUTATION, SAVE_ENTRY_MUTATION } from '../../../local/sandbox/anilist/mutations';
import { VENDORED_ANILIST_SCHEMA } from '../../../local/sandbox/anilist/server';

// The vendored copy of AniList's schema, as queries-schema.test.ts uses: nothing outside the repository.
let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildSchema(readFileSync(VENDORED_ANILIST_SCHEMA, 'utf8'));
});

const errorsOf = (document: string) => validate(schema, parse(document)).map((e) => e.message);

describe('the list-edit mutations the dashboard sends vs AniList real schema', () => {
  it.each([
    ['SaveMediaListEntry', SAVE_ENTRY_MUTATION],
    ['DeleteMediaListEntry', DELETE_ENTRY_MUTATION],
  ])('%s validates', (_name, document) => {
    expect(errorsOf(document)).toEqual([]);
  });

  it('a wrong argument type or name fails validation (the check can fail)', () => {
    expect(
      errorsOf(SAVE_ENTRY_MUTATION.replace('$startedAt: FuzzyDateInput', '$startedAt: FuzzyDate')).join('\n'),
    ).toMatch(/"FuzzyDate"/);
    expect(errorsOf(DELETE_ENTRY_MUTATION.replace('id: $id', 'entryId: $id')).join('\n')).toMatch(
      /Unknown argument "entryId"/,
    );
  });

  it('uses the mutations by their real names and returns MediaList / Deleted fields', () => {
    const roots = [SAVE_ENTRY_MUTATION, DELETE_ENTRY_MUTATION].map((d) => {
      const op = parse(d).definitions[0];
      return op?.kind === 'OperationDefinition'
        ? [op.operation, op.selectionSet.selections.map((s) => s.kind === 'Field' && s.name.value)]
        : [];
    });
    expect(roots).toEqual([
      ['mutation', ['SaveMediaListEntry']],
      ['mutation', ['DeleteMediaListEntry']],
    ]);
  });
});
