import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * `zod/mini` (used in everything bundled into the Lambdas, to keep cold starts short) ships no
 * messages: without a locale every issue reads "Invalid input". Classic `zod` loads English itself;
 * this loads the same English messages (~3 KB minified, only `en`), so issue texts (config errors,
 * AniList entry reasons) are exactly what classic zod produced. Import it for its side effect from
 * every module that defines `zod/mini` schemas.
 */
config(en());
