// A collect window for tests whose subject is not a timeout. Leaves close as soon as every
// member of their zone contributed or abstained, so a long window costs nothing when all
// goes well; it only has to outlast any zone's answers on a loaded machine, so that no real
// deadline comes first (a lost share then shows as a wrong result after this long, never
// as a hang).
export const LONG_COLLECT_MS = 90_000;
