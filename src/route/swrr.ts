// Smooth weighted round-robin, nginx-style (reliability.md §4): with weights 5/1/1 the cycle is a a b a c a a.
export interface SwrrCell {
  currentWeight: number;
}

export function swrrPick(candidates: readonly { cell: SwrrCell; weight: number }[]): number {
  let total = 0;
  let best = -1;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    c.cell.currentWeight += c.weight;
    total += c.weight;
    if (best < 0 || c.cell.currentWeight > candidates[best]!.cell.currentWeight) best = i; // tie → earliest
  }
  if (best >= 0) candidates[best]!.cell.currentWeight -= total;
  return best;
}
