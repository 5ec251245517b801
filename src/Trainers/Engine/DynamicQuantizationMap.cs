namespace Pipelines.Trainers;

/// <summary>
/// The 8-bit dynamic (tree) quantization map of Dettmers et al. (2021), as bitsandbytes' <c>create_dynamic_map</c> builds
/// it: for exponent i = 0…6 the midpoints of linspace(0.1, 1, nᵢ + 1), nᵢ = 2ⁱ (signed) or 2ⁱ⁺¹ (unsigned, the sign bit
/// becomes a fraction bit), scaled by 10^(i−6), both signs for the signed map; then 0 and 1 are added and all sorted.
/// 256 entries each; the signed map cannot represent −1 (its least entry is −0.99296875).
/// </summary>
internal static class DynamicQuantizationMap
{
    public static readonly float[] Signed = Create(signed: true);

    public static readonly float[] Unsigned = Create(signed: false);

    /// <summary>The 255 midpoints between neighbouring codes followed by +∞ (256 entries): the code of x is the number of midpoints below x.</summary>
    public static float[] Midpoints(float[] code) =>
        [.. Enumerable.Range(0, code.Length - 1).Select(j => (code[j] + code[j + 1]) / 2), float.PositiveInfinity];

    /// <summary>−∞ followed by the 255 midpoints (256 entries): entry q is the midpoint below code q.</summary>
    public static float[] LowerMidpoints(float[] code) =>
        [float.NegativeInfinity, .. Enumerable.Range(0, code.Length - 1).Select(j => (code[j] + code[j + 1]) / 2)];

    /// <summary>Buckets of ln|u| over [1e-8, 1] for the candidate code (each 0.00225 wide in ln, under half the least ln-gap between midpoints, 0.0053).</summary>
    public const int Buckets = 8192;

    /// <summary>ln 1e-8, the low end of the buckets (every |u| below it has the zero code: the least midpoint is 1.6e-7).</summary>
    public const double LowestLog = -18.420680743952367;

    /// <summary>
    /// The candidate code of each bucket b (|u| ∈ exp(LowestLog + [b, b + 1)·(−LowestLog)/Buckets)): the code of the bucket's
    /// centre; for the signed map as an offset from the zero code 127, capped at 127 (so 127 − candidate ≥ 0 for u &lt; 0).
    /// Two neighbouring buckets hold at most one midpoint, so the candidate of a bucket next to the right one is still
    /// within one code of the nearest.
    /// </summary>
    public static float[] BucketCandidates(float[] code, bool signed)
    {
        float[] candidates = new float[Buckets];
        for (int b = 0; b < Buckets; b++)
        {
            float centre = (float)Math.Exp(LowestLog + ((b + 0.5) * -LowestLog / Buckets));
            int q = Quantize(code, centre);
            candidates[b] = signed ? Math.Min(q, 254) - 127 : q;
        }

        return candidates;
    }

    /// <summary>The nearest code index of <paramref name="normalised"/> (|x| ≤ 1), by the same midpoint rule as the graph.</summary>
    public static byte Quantize(float[] code, float normalised)
    {
        int count = 0;
        for (int j = 0; j < code.Length - 1; j++)
        {
            count += (code[j] + code[j + 1]) / 2 < normalised ? 1 : 0;
        }

        return (byte)count;
    }

    private static float[] Create(bool signed)
    {
        var values = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            int n = signed ? 1 << i : 1 << (i + 1);
            double scale = Math.Pow(10, i - 6);
            for (int k = 0; k < n; k++)
            {
                // midpoint of the k-th interval of linspace(0.1, 1, n + 1)
                double lo = 0.1 + (0.9 * k / n), hi = 0.1 + (0.9 * (k + 1) / n);
                double v = scale * (lo + hi) / 2;
                values.Add(v);
                if (signed)
                {
                    values.Add(-v);
                }
            }
        }

        values.Add(0);
        values.Add(1);
        return [.. values.Select(v => (float)v).Order()];
    }
}
