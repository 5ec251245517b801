namespace Pipelines.Numerics.Topology;

/// <summary>
/// Takens delay embedding of a time series: point p_t = (x_{s·t}, x_{s·t + τ}, …, x_{s·t + (D−1)τ}) for
/// t = 0, 1, … while the last index stays inside the series (D = dimension, τ = delay, s = skip).
/// </summary>
public static class DelayEmbedding
{
    /// <summary>Number of points produced for a series of length <paramref name="length"/>.</summary>
    /// <param name="length">Series length L.</param>
    /// <param name="dimension">Embedding dimension D.</param>
    /// <param name="delay">Delay τ.</param>
    /// <param name="skip">Stride s between consecutive points.</param>
    /// <returns>max(0, ⌊(L − 1 − (D − 1)τ) / s⌋ + 1).</returns>
    public static int PointCount(int length, int dimension, int delay, int skip)
    {
        int span = (dimension - 1) * delay;
        return length - span <= 0 ? 0 : ((length - 1 - span) / skip) + 1;
    }

    /// <summary>Embeds a series; the result is row-major (PointCount, dimension).</summary>
    /// <param name="series">Values; NaN/∞ refused.</param>
    /// <param name="dimension">Embedding dimension D ≥ 1.</param>
    /// <param name="delay">Delay τ ≥ 1.</param>
    /// <param name="skip">Stride s ≥ 1.</param>
    /// <returns>The embedded points.</returns>
    public static float[] Embed(ReadOnlySpan<float> series, int dimension, int delay, int skip)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(delay);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(skip);
        for (int i = 0; i < series.Length; i++)
        {
            if (!float.IsFinite(series[i]))
            {
                throw new ArgumentException($"Time-series value {i} is {series[i]}; NaN and infinite values are refused.", nameof(series));
            }
        }

        int m = PointCount(series.Length, dimension, delay, skip);
        var points = new float[m * dimension];
        for (int t = 0; t < m; t++)
        {
            for (int k = 0; k < dimension; k++)
            {
                points[(t * dimension) + k] = series[(t * skip) + (k * delay)];
            }
        }

        return points;
    }
}
