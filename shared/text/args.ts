import { didYouMean } from './suggest';

/**
 * The command lines of this project's commands (`npm start`, `npm run demo`, `npm run deploy`, …),
 * parsed alike: `--help` (or `-h`) asks for the usage, an unknown option is refused naming the
 * option meant, and a usage error exits with status 2 (a run that failed exits with 1).
 */
export interface CommandLineSpec {
  /** Options that stand alone, e.g. `--dry-run`. */
  readonly flags?: readonly string[];
  /** Options that take a value: `--out FILE` or `--out=FILE`. */
  readonly values?: readonly string[];
  /** How many arguments that are not options the command takes (default none). */
  readonly maxPositional?: number;
}

export type ParsedCommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage_error'; readonly message: string }
  | {
      readonly kind: 'ok';
      readonly flags: ReadonlySet<string>;
      /** The value options given, by name (the last one wins, as in most tools). */
      readonly values: Readonly<Record<string, string>>;
      readonly positional: readonly string[];
    };

/** Exit status of a command refused for its command line. */
export const EXIT_USAGE = 2;

const HELP = ['--help', '-h'];

/** `unknown option --dryrun (did you mean --dry-run?)`. */
export function unknownOption(arg: string, known: readonly string[]): string {
  const name = arg.split('=')[0] ?? arg;
  return `unknown option ${arg}${didYouMean(name, [...known, '--help'])}`;
}

export function parseCommandLine(args: readonly string[], spec: CommandLineSpec): ParsedCommandLine {
  if (args.some((a) => HELP.includes(a))) return { kind: 'help' };
  const flagNames = spec.flags ?? [];
  const valueNames = spec.values ?? [];
  const flags = new Set<string>();
  const values: Record<string, string> = {};
  const positional: string[] = [];
  const error = (message: string) => ({ kind: 'usage_error', message }) as const;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('-') && eq > 0 ? arg.slice(0, eq) : arg;
    if (valueNames.includes(name)) {
      const value = name === arg ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-')) {
        return error(`${name} needs a value, e.g. ${name} VALUE`);
      }
      values[name] = value;
    } else if (flagNames.includes(name)) {
      if (name !== arg) return error(`${name} takes no value`);
      flags.add(name);
    } else if (arg.startsWith('-') && arg !== '-') {
      return error(unknownOption(arg, [...flagNames, ...valueNames]));
    } else positional.push(arg);
  }
  const max = spec.maxPositional ?? 0;
  if (positional.length > max) {
    return error(
      max === 0
        ? `this command takes no arguments, only options (got ${positional.join(' ')})`
        : `too many arguments: ${positional.join(' ')}`,
    );
  }
  return { kind: 'ok', flags, values, positional };
}

/**
 * What a command does with `--help` and a usage error: the usage on stdout (status 0), or the
 * problem and the usage on stderr (status 2). Undefined when the command line is fine, so
 * `const exit = answerUsage(parsed, USAGE); if (exit !== undefined) return exit;` ends it early.
 */
export function answerUsage(
  parsed: ParsedCommandLine,
  usage: string,
  out: { log(text: string): void; error(text: string): void } = console,
): number | undefined {
  if (parsed.kind === 'help') {
    out.log(usage);
    return 0;
  }
  if (parsed.kind === 'usage_error') {
    out.error(`${parsed.message}\n\n${usage}`);
    return EXIT_USAGE;
  }
  return undefined;
}
