import * as z from 'zod/mini';
import { collectConfig, type DestinationKey, storageConfigShape } from '../config';

/** One enabled destination with its validated settings for the function at hand. */
export interface Enabled<Module, Config = unknown> {
  readonly module: Module;
  readonly config: Config;
}

export interface FunctionConfig<Base, Module> {
  readonly base: Base;
  /** The destinations synced to (DESTINATIONS), in that order. */
  readonly destinations: readonly Enabled<Module>[];
  /**
   * Every provider the user may have to authorize: the destinations, plus MyAnimeList when it is
   * the source (SOURCE=mal) without being a destination.
   */
  readonly auth: readonly Enabled<Module>[];
}

/**
 * One function's settings: the common keys (already validated into `base`), then each enabled
 * destination's own, with `schemaOf` picking the function's schema from the destination's module.
 * Only an enabled destination's keys are required; problems are collected into `issues`.
 */
export function composeConfig<Base extends { DESTINATIONS: DestinationKey[]; SOURCE: 'anilist' | 'mal' }, Module>(
  base: Base | undefined,
  registry: Readonly<Partial<Record<DestinationKey, Module>>>,
  schemaOf: (module: Module) => z.ZodMiniType,
  env: Record<string, string | undefined>,
  issues: string[],
): FunctionConfig<Base, Module> | undefined {
  // A bad common key must not hide the destinations' own: one error names every bad key. Which
  // destinations to check is then read alone (when DESTINATIONS itself is bad, it is reported already).
  const selection = base ?? collectConfig(selectionSchema, env, []);
  if (!selection) return undefined;
  const enable = (keys: readonly DestinationKey[]) =>
    keys.flatMap((key) => {
      const module = registry[key];
      if (!module) {
        issues.push(`DESTINATIONS names "${key}", which this build does not include`);
        return [];
      }
      const config = collectConfig(schemaOf(module), env, issues);
      return config === undefined ? [] : [{ module, config }];
    });
  const destinations = enable(selection.DESTINATIONS);
  const sourceOnly: DestinationKey[] =
    selection.SOURCE === 'mal' && !selection.DESTINATIONS.includes('mal') ? ['mal'] : [];
  const auth = [...destinations, ...enable(sourceOnly)];
  return base ? { base, destinations, auth } : undefined;
}

/** The keys that say which destinations a function serves. */
const selectionSchema = z.object({ DESTINATIONS: storageConfigShape.DESTINATIONS, SOURCE: storageConfigShape.SOURCE });
