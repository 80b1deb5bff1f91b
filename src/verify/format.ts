// Durations as the report words them.

/** A bound or a setting: whole seconds stay whole (`30 s`), others get one decimal (`2.5 s`). */
export const secs = (ms: number): string => `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

/** A measured time: milliseconds under a second, else seconds with one decimal. */
export const took = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
