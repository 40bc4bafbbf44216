import fc from "fast-check";

/**
 * Parameters for a fast-check run: the seed is printed before the run so any failure can be
 * replayed with `SINCRO_SEED=<seed>`; `SINCRO_PROPERTY_RUNS` scales the number of runs (through
 * `scaled`, for a run that takes a share of it).
 */
export function propertyParams(name: string, defaultRuns: number, scaled: (runs: number) => number = (runs) => runs): fc.Parameters<unknown> {
  const seed = process.env.SINCRO_SEED !== undefined ? Number(process.env.SINCRO_SEED) : (Date.now() ^ (process.pid << 8)) | 0;
  const numRuns = process.env.SINCRO_PROPERTY_RUNS !== undefined ? scaled(Number(process.env.SINCRO_PROPERTY_RUNS)) : defaultRuns;
  console.log(`[property] ${name}: seed=${seed} runs=${numRuns} (replay with SINCRO_SEED=${seed})`);
  return { seed, numRuns };
}
