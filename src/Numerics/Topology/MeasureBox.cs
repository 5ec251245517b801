namespace Pipelines.Numerics.Topology;

/// <summary>
/// The rectangle [Lo1, Hi1] × [Lo2, Hi2] (filtration units) that signed-measure vectorizations map affinely onto the
/// unit square: u = (x − Lo1)/(Hi1 − Lo1), v = (y − Lo2)/(Hi2 − Lo2). Fitted on training data and frozen.
/// </summary>
/// <param name="Lo1">Lower end of the first parameter.</param>
/// <param name="Hi1">Upper end of the first parameter (&gt; Lo1, or equal for a degenerate axis mapped to 0).</param>
/// <param name="Lo2">Lower end of the second parameter.</param>
/// <param name="Hi2">Upper end of the second parameter.</param>
public readonly record struct MeasureBox(float Lo1, float Hi1, float Lo2, float Hi2)
{
    /// <summary>The box spanned by two grids.</summary>
    /// <param name="g1">First-parameter grid.</param>
    /// <param name="g2">Second-parameter grid.</param>
    /// <returns>The box.</returns>
    public static MeasureBox Of(FiltrationGrid g1, FiltrationGrid g2)
    {
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        return new MeasureBox(g1.Min, g1.Max, g2.Min, g2.Max);
    }

    /// <summary>Maps a first-parameter value to the unit interval (0 on a degenerate axis).</summary>
    /// <param name="x">Value.</param>
    /// <returns>Normalised coordinate.</returns>
    public float U(float x) => Hi1 > Lo1 ? (x - Lo1) / (Hi1 - Lo1) : 0f;

    /// <summary>Maps a second-parameter value to the unit interval (0 on a degenerate axis).</summary>
    /// <param name="y">Value.</param>
    /// <returns>Normalised coordinate.</returns>
    public float V(float y) => Hi2 > Lo2 ? (y - Lo2) / (Hi2 - Lo2) : 0f;
}

/// <summary>A weighted atom w·δ_(x, y) of a signed measure in filtration units.</summary>
/// <param name="X">First-parameter coordinate.</param>
/// <param name="Y">Second-parameter coordinate.</param>
/// <param name="Weight">Signed weight.</param>
public readonly record struct MeasureAtom(float X, float Y, float Weight)
{
    /// <summary>The atoms of a grid measure, placed at their grid values (g1[i], g2[j]).</summary>
    /// <param name="measure">Measure on g1 × g2.</param>
    /// <param name="g1">First-parameter grid.</param>
    /// <param name="g2">Second-parameter grid.</param>
    /// <returns>The atoms.</returns>
    public static MeasureAtom[] FromGrid(SignedMeasure measure, FiltrationGrid g1, FiltrationGrid g2)
    {
        ArgumentNullException.ThrowIfNull(measure);
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        return [.. measure.Atoms().Select(a => new MeasureAtom(g1.Values[a.I], g2.Values[a.J], a.Weight))];
    }
}
