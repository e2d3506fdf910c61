import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Code comments, the README and tests cite `docs/apis.md#<anchor>`. A renamed or dropped anchor
 * would leave them pointing nowhere without anyone noticing, so every citation is checked here.
 */
const REPO_ROOT = path.resolve(__dirname, '../../..');
const APIS_DOC = path.join(REPO_ROOT, 'docs/apis.md');
const SOURCE_DIRS = ['shared', 'lambdas', 'local', 'infra', 'scripts', 'bench', 'test', 'docs'];
const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out', 'dist', 'coverage', '.local-data']);

function anchorsOf(markdown: string): string[] {
  return [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : filesUnder(full);
    return /\.(ts|md)$/.test(entry.name) ? [full] : [];
  });
}

/** Every citation of an anchor of docs/apis.md in the repository, with the file it is in. */
function citations(): { where: string; anchor: string }[] {
  const files = [path.join(REPO_ROOT, 'README.md'), ...SOURCE_DIRS.flatMap((d) => filesUnder(path.join(REPO_ROOT, d)))];
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/docs\/apis\.md#([a-z0-9-]+)/g)].map((m) => ({
      where: path.relative(REPO_ROOT, file),
      anchor: m[1]!,
    })),
  );
}

describe('docs/apis.md anchors', () => {
  const doc = readFileSync(APIS_DOC, 'utf8');
  const anchors = anchorsOf(doc);

  it('are unique', () => {
    expect(anchors.filter((a, i) => anchors.indexOf(a) !== i)).toEqual([]);
  });

  it('exist for every link inside the document', () => {
    const links = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((l) => !anchors.includes(l))).toEqual([]);
  });

  it('exist for every citation in code, tests and docs', () => {
    const all = citations();
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((c) => !anchors.includes(c.anchor))).toEqual([]);
  });
});
