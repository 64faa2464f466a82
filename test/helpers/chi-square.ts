// Pearson's goodness-of-fit test of integer samples against a probability mass function:
// neighbouring integers are merged into bins expecting at least 5 samples each (the tails
// into the outermost bins), and the statistic's p-value comes from the regularized upper
// incomplete gamma function Q(dof / 2, χ² / 2).

import type { Pmf } from '../../agent/core/noise-distribution.ts';

/** ln Γ(x), Lanczos (Numerical Recipes' gammln). */
function lnGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Q(a, x) = Γ(a, x) / Γ(a): the series below a + 1, the continued fraction above. */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

export interface Fit {
  chiSquare: number;
  dof: number;
  pValue: number;
}

/** The fit of the samples to the PMF. */
export function goodnessOfFit(samples: number[], pmf: Pmf): Fit {
  const n = samples.length;
  // Bins of consecutive integers, each expecting ≥ 5; bin i covers values up to edges[i].
  const edges: number[] = [];
  const expected: number[] = [];
  let mass = 0;
  for (let i = 0; i < pmf.p.length; i++) {
    mass += pmf.p[i];
    if (mass * n >= 5) {
      edges.push(pmf.offset + i);
      expected.push(mass * n);
      mass = 0;
    }
  }
  expected[expected.length - 1] += mass * n; // the right tail joins the last bin
  edges[edges.length - 1] = Infinity;
  const observed = new Array<number>(edges.length).fill(0);
  for (const x of samples) {
    let lo = 0;
    let hi = edges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x <= edges[mid]) hi = mid;
      else lo = mid + 1;
    }
    observed[lo]++;
  }
  const chiSquare = observed.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);
  const dof = edges.length - 1;
  return { chiSquare, dof, pValue: gammaQ(dof / 2, chiSquare / 2) };
}
