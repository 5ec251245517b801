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

    /// <summary>
    /// Per decade d = 0…6 (|u| ∈ [10^(d−7), 10^(d−6))) the slope of the candidate index ⌊|u|·slope + offset⌋: the decade
    /// holds n = 2^d (signed) or 2^(d+1) (unsigned) codes at the cell centres of linspace(0.1, 1, n + 1)·10^(d−6), so
    /// slope = n / (0.9·10^(d−6)).
    /// </summary>
    public static float[] DecadeSlopes(bool signed) =>
        [.. Enumerable.Range(0, 7).Select(d => (float)(Count(d, signed) / (0.9 * Math.Pow(10, d - 6))))];

    /// <summary>
    /// Per decade the offset of the candidate index: 8n/9 (signed: the index above code 127, so the code of u is
    /// 127 + sign(u)·⌊|u|·slope + offset⌋) or 8n/9 − 1 (unsigned: the code itself). The candidate is the map's cell index
    /// and may differ from the nearest code by one; the graph corrects it with the neighbouring midpoints.
    /// </summary>
    public static float[] DecadeOffsets(bool signed) =>
        [.. Enumerable.Range(0, 7).Select(d => (float)((8.0 / 9 * Count(d, signed)) - (signed ? 0 : 1)))];

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

    private static double Count(int decade, bool signed) => signed ? 1 << decade : 1 << (decade + 1);

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
