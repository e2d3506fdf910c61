/** An anime as the sandbox knows it: what a list entry's `node` shows. */
export interface SandboxAnime {
  readonly id: number;
  readonly title: string;
  /** 0 when unknown (airing), as MAL reports it. */
  readonly num_episodes: number;
  /**
   * MAL's kind of anime (`tv`, `movie`, `ova`, `special`, `ona`, `music`, `tv_special`…), sent
   * only when a read asks for it (`fields=media_type`), as MAL does. Unknown when absent.
   */
  readonly media_type?: string;
  readonly main_picture?: { readonly medium: string; readonly large?: string };
  /** Rated "gray"/"black" on MAL: left out of list responses unless `nsfw=true`. */
  readonly nsfw?: boolean;
}

/**
 * A few real MAL ids with their MAL titles and episode counts, so writes for common test ids
 * produce recognisable entries. Unknown ids become `Anime #<id>`.
 */
export const DEFAULT_MAL_CATALOGUE: readonly SandboxAnime[] = [
  { id: 1, title: 'Cowboy Bebop', num_episodes: 26 },
  { id: 5, title: 'Cowboy Bebop: Tengoku no Tobira', num_episodes: 1 },
  { id: 20, title: 'Naruto', num_episodes: 220 },
  { id: 21, title: 'One Piece', num_episodes: 0 },
  { id: 30, title: 'Shinseiki Evangelion', num_episodes: 26 },
  { id: 967, title: 'Hokuto no Ken', num_episodes: 109 },
  { id: 1535, title: 'Death Note', num_episodes: 37 },
  { id: 5114, title: 'Fullmetal Alchemist: Brotherhood', num_episodes: 64 },
  { id: 9253, title: 'Steins;Gate', num_episodes: 24 },
  { id: 11061, title: 'Hunter x Hunter (2011)', num_episodes: 148 },
  { id: 16498, title: 'Shingeki no Kyojin', num_episodes: 25 },
  { id: 32281, title: 'Kimi no Na wa.', num_episodes: 1 },
  { id: 38000, title: 'Kimetsu no Yaiba', num_episodes: 26 },
];
