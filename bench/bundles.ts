import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BuildOptions } from 'esbuild';
import { DEFAULTS, LAMBDA_BUNDLING, LAMBDA_NODE_OPTIONS } from '../infra/defaults';
import { track } from './children';
import { median } from './stats';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** The `bundling` props every Lambda of the stack uses (infra/defaults.ts). */
export const CDK_BUNDLING_PROPS = LAMBDA_BUNDLING;

/** CDK's own default when `bundling.target` is unset: `node<major>` of the function's runtime. */
export function cdkTarget(runtimeName: string = DEFAULTS.runtime.name): string {
  const match = /nodejs(\d+)/.exec(runtimeName);
  if (!match) throw new Error(`cannot derive an esbuild target from runtime ${runtimeName}`);
  return `node${match[1]}`;
}

/**
 * The esbuild options CDK's NodejsFunction passes for those props (aws-lambda-nodejs/lib/bundling.js):
 * `--bundle --target=node24 --platform=node --minify --sourcemap --sources-content=false
 * --keep-names --main-fields=module,main`, no externals. No `format` is given, so esbuild's default
 * for platform node applies: CommonJS (`index.js`).
 */
export function lambdaBuildOptions(
  entry: string,
  outfile: string,
  overrides: Partial<BuildOptions> = {},
): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: cdkTarget(),
    minify: CDK_BUNDLING_PROPS.minify,
    sourcemap: CDK_BUNDLING_PROPS.sourceMap,
    sourcesContent: CDK_BUNDLING_PROPS.sourcesContent,
    keepNames: CDK_BUNDLING_PROPS.keepNames,
    external: [...CDK_BUNDLING_PROPS.externalModules],
    mainFields: [...CDK_BUNDLING_PROPS.mainFields],
    alias: esbuildAliases(CDK_BUNDLING_PROPS.esbuildArgs),
    logLevel: 'error',
    ...overrides,
  };
}

/** `--alias` from CDK's `esbuildArgs` (`from=./path`, relative to the project root) as esbuild's JS `alias` option. */
export function esbuildAliases(esbuildArgs: Readonly<Record<string, string>>): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [flag, value] of Object.entries(esbuildArgs)) {
    if (flag !== '--alias') throw new Error(`bench/bundles.ts does not mirror esbuild flag ${flag} yet`);
    const [from, to] = value.split('=') as [string, string];
    aliases[from] = to.startsWith('./') ? path.join(REPO_ROOT, to) : to;
  }
  return aliases;
}

/**
 * The V8 heap limits Lambda's Node.js runtime derives from a function's memory size (its bootstrap
 * script: a tenth for the new space, half of that per semi-space, the rest for the old space).
 * Without them a benchmark process would let garbage pile up to gigabytes before collecting, and its
 * peak RSS would say nothing about whether the function fits its memory.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** The `NODE_OPTIONS` every function gets, so worker processes and cold imports run with the deployed flags. */
export function deployedNodeOptions(): string[] {
  return LAMBDA_NODE_OPTIONS.split(/\s+/).filter((flag) => flag !== '');
}

/** Lambda handlers: every `lambdas/<name>/handler.ts`. */
export function lambdaEntries(): { name: string; entry: string }[] {
  const dir = path.join(REPO_ROOT, 'lambdas');
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, 'handler.ts')))
    .sort()
    .map((name) => ({ name, entry: path.join(dir, name, 'handler.ts') }));
}

export interface BundleFigures {
  readonly name: string;
  /** The bundle as deployed: minified, with a linked source map. */
  readonly file: string;
  /** Same settings without minification. */
  readonly unminifiedBytes: number;
  readonly minifiedBytes: number;
  /** gzip (zlib default level) of the minified bundle: about what the deployment zip holds. */
  readonly gzippedBytes: number;
  readonly sourceMapBytes: number;
  /** Bytes of the minified bundle that come from the AWS SDK (`@aws-sdk/*`, `@smithy/*`, `@aws-crypto/*`, `@aws/*`). */
  readonly awsSdkBytes: number;
  /** Largest contributors to the minified bundle, by package (or source folder). */
  readonly largestInputs: { readonly name: string; readonly bytes: number }[];
}

export async function buildBundle(name: string, entry: string, outDir: string): Promise<BundleFigures> {
  const esbuild = await import('esbuild');
  const file = path.join(outDir, name, 'index.js');
  const built = await esbuild.build({ ...lambdaBuildOptions(entry, file), metafile: true });
  const plain = path.join(outDir, `${name}.unminified`, 'index.js');
  await esbuild.build(lambdaBuildOptions(entry, plain, { minify: false, sourcemap: false }));
  const code = readFileSync(file);
  const byPackage = new Map<string, number>();
  for (const output of Object.values(built.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  const largest = [...byPackage].sort((a, b) => b[1] - a[1]);
  return {
    name,
    file,
    unminifiedBytes: statSync(plain).size,
    minifiedBytes: code.length,
    gzippedBytes: gzipSync(code).length,
    sourceMapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    awsSdkBytes: largest
      .filter(([pkg]) => /^@(aws-sdk|smithy|aws-crypto|aws)\//.test(pkg))
      .reduce((n, [, b]) => n + b, 0),
    largestInputs: largest.slice(0, 8).map(([name, bytes]) => ({ name, bytes })),
  };
}

export interface ColdImport {
  /** Node flags of the measured processes. */
  readonly flags: readonly string[];
  readonly medianMs: number;
  readonly samplesMs: number[];
}

/**
 * Median time for a fresh `node` process to `require` the bundle and get its `handler`, measured
 * inside the process (from just before `require` to just after), so node's own start-up is excluded.
 * One process per flag set is run first and discarded (disk cache); the flag sets then alternate,
 * so that machine noise spreads evenly over them.
 */
export async function measureColdImport(
  file: string,
  runs: number,
  flagSets: readonly (readonly string[])[],
): Promise<ColdImport[]> {
  const samples = flagSets.map(() => [] as number[]);
  for (let i = 0; i <= runs; i++) {
    for (const [k, flags] of flagSets.entries()) {
      const ms = await importOnce(file, flags);
      if (i > 0) samples[k]!.push(ms);
    }
  }
  return flagSets.map((flags, k) => ({ flags, medianMs: median(samples[k]!), samplesMs: samples[k]! }));
}

async function importOnce(file: string, flags: readonly string[]): Promise<number> {
  const script = [
    'const t = process.hrtime.bigint();',
    `const m = require(${JSON.stringify(file)});`,
    "if (typeof m.handler !== 'function') throw new Error('no handler export');",
    'process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));',
  ].join(' ');
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...flags, '-e', script],
      {
        cwd: path.dirname(file),
        env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`cold import of ${file} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
    track(child);
  });
  const ms = Number(out.trim());
  if (!Number.isFinite(ms)) throw new Error(`cold import of ${file} printed ${JSON.stringify(out)}`);
  return ms;
}
