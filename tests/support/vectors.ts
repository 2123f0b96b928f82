/** cos(a, b), accumulated in float64: the reference a test compares an embedding's scores with. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [dot, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++)
    [dot, aa, bb] = [dot + a[i] * b[i], aa + a[i] ** 2, bb + b[i] ** 2];
  return dot / Math.sqrt(aa * bb);
}
