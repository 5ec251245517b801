namespace Pipelines.Numerics.Topology;

/// <summary>
/// One interval summand M̃_i of an MMA decomposition: the set {x : b ≤ x for some birth corner b} ∩ {x : x ≤ d for
/// some death corner d}, assembled from one matched bar on each of the consecutive lines
/// <see cref="FirstLine"/> … <see cref="FirstLine"/> + <see cref="Bars"/>.Length − 1 of its module's line family.
/// </summary>
/// <remarks>
/// The bar on line c with birth β and death γ contributes the birth corner (β, β + c) and the death corner
/// (γ, γ + c) (+∞ deaths give the corner (+∞, +∞)); only the minimal births and maximal deaths are kept (a
/// staircase lower and upper boundary).
/// </remarks>
public sealed class MmaSummand
{
    private readonly LineBar[] _bars;
    private readonly MmaCorner[] _births;
    private readonly MmaCorner[] _deaths;

    internal MmaSummand(int degree, int firstLine, LineBar[] bars, ReadOnlySpan<float> offsets)
    {
        Degree = degree;
        FirstLine = firstLine;
        _bars = bars;
        var births = new MmaCorner[bars.Length];
        var deaths = new MmaCorner[bars.Length];
        for (int k = 0; k < bars.Length; k++)
        {
            float c = offsets[firstLine + k];
            births[k] = new MmaCorner(bars[k].Birth, bars[k].Birth + c);
            deaths[k] = float.IsPositiveInfinity(bars[k].Death)
                ? new MmaCorner(float.PositiveInfinity, float.PositiveInfinity)
                : new MmaCorner(bars[k].Death, bars[k].Death + c);
        }

        _births = MinimalCorners(births);
        _deaths = MaximalCorners(deaths);
    }

    /// <summary>Gets the homology degree.</summary>
    public int Degree { get; }

    /// <summary>Gets the index (in the module's line family) of the first line carrying a bar of this summand.</summary>
    public int FirstLine { get; }

    /// <summary>Gets the matched bar on each line FirstLine, FirstLine + 1, … (s coordinates).</summary>
    public ReadOnlySpan<LineBar> Bars => _bars;

    /// <summary>Gets the minimal birth corners (the staircase lower boundary), sorted by X.</summary>
    public ReadOnlySpan<MmaCorner> BirthCorners => _births;

    /// <summary>Gets the maximal death corners (the staircase upper boundary), sorted by X.</summary>
    public ReadOnlySpan<MmaCorner> DeathCorners => _deaths;

    /// <summary>
    /// The restriction of the summand to the line x₂ = x₁ + <paramref name="offset"/>: births enter at
    /// min_b max(b₁, b₂ − c), deaths leave at max_d min(d₁, d₂ − c).
    /// </summary>
    /// <param name="offset">c.</param>
    /// <returns>The bar, or null when the restriction is empty or a point.</returns>
    public LineBar? RestrictToLine(float offset)
    {
        float birth = float.PositiveInfinity;
        foreach (MmaCorner b in _births)
        {
            birth = MathF.Min(birth, MathF.Max(b.X, b.Y - offset));
        }

        float death = float.NegativeInfinity;
        foreach (MmaCorner d in _deaths)
        {
            death = MathF.Max(death, MathF.Min(d.X, d.Y - offset));
        }

        return death > birth ? new LineBar(birth, death) : null;
    }

    /// <summary>
    /// ℓ∞ distance from x to the summand: max(distance to the upset of the births, distance to the downset of the
    /// deaths) = max(min_b max_j (b_j − x_j)⁺, min_d max_j (x_j − d_j)⁺); 0 inside.
    /// </summary>
    /// <param name="x">First coordinate.</param>
    /// <param name="y">Second coordinate.</param>
    /// <returns>The distance.</returns>
    public float Distance(float x, float y)
    {
        float up = float.PositiveInfinity;
        foreach (MmaCorner b in _births)
        {
            up = MathF.Min(up, MathF.Max(MathF.Max(b.X - x, b.Y - y), 0f));
        }

        float down = float.PositiveInfinity;
        foreach (MmaCorner d in _deaths)
        {
            down = MathF.Min(down, MathF.Max(MathF.Max(x - d.X, y - d.Y), 0f));
        }

        return MathF.Max(up, down);
    }

    /// <summary>
    /// The landscape height of the summand at x: sup{h ≥ 0 : x − h·(1,1) and x + h·(1,1) are both in the summand
    /// clipped to <paramref name="box"/>'s upper corner} = min(max_b min_j (x_j − b_j), max_d min_j (min(d_j, u_j) − x_j))⁺.
    /// </summary>
    /// <param name="x">First coordinate.</param>
    /// <param name="y">Second coordinate.</param>
    /// <param name="box">The box whose upper corner u clips death corners.</param>
    /// <returns>The height (0 outside the summand).</returns>
    public float LandscapeHeight(float x, float y, MeasureBox box)
    {
        float up = float.NegativeInfinity;
        foreach (MmaCorner b in _births)
        {
            up = MathF.Max(up, MathF.Min(x - b.X, y - b.Y));
        }

        float down = float.NegativeInfinity;
        foreach (MmaCorner d in _deaths)
        {
            down = MathF.Max(down, MathF.Min(MathF.Min(d.X, box.Hi1) - x, MathF.Min(d.Y, box.Hi2) - y));
        }

        return MathF.Max(0f, MathF.Min(up, down));
    }

    /// <summary>
    /// The weight w_i: the longest of the summand's bars clipped to <paramref name="box"/>, i.e. the longest
    /// diagonal segment of the summand inside the box among the swept lines (in ℓ∞ length); 0 when none enters the box.
    /// </summary>
    /// <param name="box">The box.</param>
    /// <param name="offsets">The module's line offsets.</param>
    /// <returns>The weight.</returns>
    public float Weight(MeasureBox box, ReadOnlySpan<float> offsets)
    {
        float w = 0f;
        for (int k = 0; k < _bars.Length; k++)
        {
            float c = offsets[FirstLine + k];
            float lo = MathF.Max(_bars[k].Birth, MathF.Max(box.Lo1, box.Lo2 - c));
            float hi = MathF.Min(_bars[k].Death, MathF.Min(box.Hi1, box.Hi2 - c));
            w = MathF.Max(w, hi - lo);
        }

        return w;
    }

    private static MmaCorner[] MinimalCorners(MmaCorner[] corners)
    {
        // Pareto-minimal: sort by X then Y; keep a corner when its Y is below every kept corner's Y.
        MmaCorner[] sorted = [.. corners.OrderBy(static c => c.X).ThenBy(static c => c.Y)];
        var kept = new List<MmaCorner>();
        float minY = float.PositiveInfinity;
        foreach (MmaCorner c in sorted)
        {
            if (c.Y < minY)
            {
                kept.Add(c);
                minY = c.Y;
            }
        }

        return [.. kept];
    }

    private static MmaCorner[] MaximalCorners(MmaCorner[] corners)
    {
        // Pareto-maximal: sort by X descending then Y descending; keep a corner when its Y is above every kept one's.
        MmaCorner[] sorted = [.. corners.OrderByDescending(static c => c.X).ThenByDescending(static c => c.Y)];
        var kept = new List<MmaCorner>();
        float maxY = float.NegativeInfinity;
        foreach (MmaCorner c in sorted)
        {
            if (c.Y > maxY)
            {
                kept.Add(c);
                maxY = c.Y;
            }
        }

        kept.Reverse();
        return [.. kept];
    }
}
