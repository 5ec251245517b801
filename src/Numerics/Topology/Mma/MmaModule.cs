namespace Pipelines.Numerics.Topology;

/// <summary>
/// An MMA decomposition of a 2-parameter persistence module: interval summands per homology degree, computed from
/// the barcodes on the slope-1 lines x₂ = x₁ + c_k, c_k = (Lo2 − Lo1) + kδ, that cross <see cref="Box"/>.
/// </summary>
/// <remarks>
/// Loiseaux, Carrière, Blumberg, "A framework for fast and stable representations of multiparameter persistent
/// homology decompositions" (NeurIPS 2023), after the approximation of Loiseaux, Carrière, Blumberg (arXiv 2206.02026).
/// Guarantee of this construction (see <see cref="VineMatching"/>): when <see cref="Discontinuities"/> is 0, the
/// summands restricted to each swept line give exactly that line's barcode, and on any slope-1 line between two swept
/// lines they are within bottleneck distance δ of its barcode.
/// </remarks>
public sealed class MmaModule
{
    private readonly float[] _offsets;
    private readonly MmaSummand[][] _summands;

    internal MmaModule(MeasureBox box, float precision, float[] offsets, MmaSummand[][] summands, int discontinuities)
    {
        Box = box;
        Precision = precision;
        _offsets = offsets;
        _summands = summands;
        Discontinuities = discontinuities;
    }

    /// <summary>Gets the box the lines sweep (and the representations are computed on).</summary>
    public MeasureBox Box { get; }

    /// <summary>Gets δ, the spacing of the lines (ℓ∞ units of the parameter plane).</summary>
    public float Precision { get; }

    /// <summary>Gets the offsets c_k of the swept lines x₂ = x₁ + c_k, increasing by δ.</summary>
    public ReadOnlySpan<float> LineOffsets => _offsets;

    /// <summary>Gets the highest homology degree computed.</summary>
    public int MaxDegree => _summands.Length - 1;

    /// <summary>
    /// Gets the number of bars longer than δ that found no partner on the neighbouring line (rounding ties); 0 means
    /// the matching is a complete vine-compatible one and the guarantee holds.
    /// </summary>
    public int Discontinuities { get; }

    /// <summary>The summands of degree <paramref name="degree"/> (empty above <see cref="MaxDegree"/>).</summary>
    /// <param name="degree">Homology degree.</param>
    /// <returns>The summands, ordered by first line then birth.</returns>
    public IReadOnlyList<MmaSummand> Summands(int degree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        return degree <= MaxDegree ? _summands[degree] : [];
    }

    /// <summary>The barcode of the summands of <paramref name="degree"/> restricted to the line x₂ = x₁ + <paramref name="offset"/>.</summary>
    /// <param name="degree">Homology degree.</param>
    /// <param name="offset">c.</param>
    /// <returns>The non-empty restrictions, sorted by (birth, death).</returns>
    public LineBar[] RestrictToLine(int degree, float offset)
    {
        var bars = new List<LineBar>();
        foreach (MmaSummand s in Summands(degree))
        {
            if (s.RestrictToLine(offset) is { } b)
            {
                bars.Add(b);
            }
        }

        LineBar[] a = [.. bars];
        Array.Sort(a, static (x, y) => x.Birth != y.Birth ? x.Birth.CompareTo(y.Birth) : x.Death.CompareTo(y.Death));
        return a;
    }
}
