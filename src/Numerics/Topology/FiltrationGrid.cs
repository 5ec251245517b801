namespace Pipelines.Numerics.Topology;

/// <summary>
/// A sorted one-dimensional grid g_0 &lt; … &lt; g_{n−1} of filtration values. A value v is snapped to the index
/// <c>lower_bound(g, v)</c> = the smallest i with g_i ≥ v ("ceil" snapping, so snapping never moves a simplex
/// earlier); values above g_{n−1} snap to n (outside the grid = never present).
/// </summary>
public sealed class FiltrationGrid
{
    private readonly float[] _values;

    /// <summary>Creates a grid from strictly increasing finite values.</summary>
    /// <param name="values">Grid values.</param>
    /// <exception cref="ArgumentException">Empty, non-finite or not strictly increasing.</exception>
    public FiltrationGrid(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("A filtration grid needs at least one value.", nameof(values));
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]) || (i > 0 && values[i] <= values[i - 1]))
            {
                throw new ArgumentException($"Grid value {i} ({values[i]}) is not finite or not above the previous one.", nameof(values));
            }
        }

        _values = values.ToArray();
    }

    /// <summary>Gets the number of grid values n.</summary>
    public int Count => _values.Length;

    /// <summary>Gets the grid values.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Gets the smallest grid value.</summary>
    public float Min => _values[0];

    /// <summary>Gets the largest grid value.</summary>
    public float Max => _values[^1];

    /// <summary>Smallest i with g_i ≥ v; <see cref="Count"/> when v is above the grid (NaN also maps there).</summary>
    /// <param name="value">Filtration value.</param>
    /// <returns>The grid index.</returns>
    public int Snap(float value)
    {
        if (float.IsNaN(value))
        {
            return _values.Length;
        }

        int lo = 0;
        int hi = _values.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_values[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>
    /// Fits a grid to observed values: drops the lower and upper <paramref name="dropQuantile"/> tails, then applies
    /// <paramref name="strategy"/>. Duplicate grid values are merged, so the result may have fewer than
    /// <paramref name="resolution"/> values.
    /// </summary>
    /// <param name="values">Observed finite values (NaN/∞ ignored).</param>
    /// <param name="strategy">Grid strategy.</param>
    /// <param name="resolution">Number of grid values (≥ 1; ignored by <see cref="GridStrategy.Exact"/>).</param>
    /// <param name="dropQuantile">Tail fraction dropped at each end, in [0, 0.5).</param>
    /// <returns>The grid.</returns>
    /// <exception cref="ArgumentException">No finite value observed.</exception>
    public static FiltrationGrid Fit(ReadOnlySpan<float> values, GridStrategy strategy, int resolution, float dropQuantile = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        if (!(dropQuantile >= 0f && dropQuantile < 0.5f))
        {
            throw new ArgumentOutOfRangeException(nameof(dropQuantile), dropQuantile, "dropQuantile must be in [0, 0.5).");
        }

        var finite = new List<float>(values.Length);
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                finite.Add(v);
            }
        }

        if (finite.Count == 0)
        {
            throw new ArgumentException("Cannot fit a filtration grid: no finite value was observed.", nameof(values));
        }

        finite.Sort();
        int cut = (int)Math.Floor(dropQuantile * finite.Count);
        List<float> kept = finite.GetRange(cut, Math.Max(1, finite.Count - (2 * cut)));
        var grid = new List<float>();
        switch (strategy)
        {
            case GridStrategy.Regular:
                float lo = kept[0];
                float hi = kept[^1];
                for (int i = 0; i < resolution; i++)
                {
                    grid.Add(resolution == 1 ? hi : lo + ((hi - lo) * i / (resolution - 1)));
                }

                break;
            case GridStrategy.Quantile:
                for (int i = 0; i < resolution; i++)
                {
                    double q = resolution == 1 ? 1.0 : (double)i / (resolution - 1);
                    grid.Add(kept[(int)Math.Round(q * (kept.Count - 1))]);
                }

                break;
            case GridStrategy.Exact:
                grid.AddRange(kept);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown grid strategy.");
        }

        var distinct = new List<float>(grid.Count);
        foreach (float g in grid)
        {
            if (distinct.Count == 0 || g > distinct[^1])
            {
                distinct.Add(g);
            }
        }

        return new FiltrationGrid(distinct.ToArray());
    }
}
