namespace Pipelines.Numerics.Topology;

/// <summary>Which codensity function is used as the second filtration parameter of function-Rips.</summary>
public enum CodensityKind
{
    /// <summary>c(x) = −log KDE_h(x), KDE_h(x) = (1/n) Σ_y (2πh²)^{−D/2} exp(−‖x − y‖² / 2h²); parameter = bandwidth h.</summary>
    GaussianKde,

    /// <summary>Distance to measure: c(x) = sqrt((1/k) Σ_{y ∈ kNN(x), x included} ‖x − y‖²), k = ⌈mass·n⌉; parameter = mass in (0, 1].</summary>
    DistanceToMeasure,

    /// <summary>c(x) = mean distance to the k nearest other points; parameter = k (≥ 1).</summary>
    KnnDistance,
}

/// <summary>Codensity functions of a point cloud (high where points are sparse).</summary>
public static class Codensity
{
    /// <summary>Computes codensity values, one per point.</summary>
    /// <param name="distances">Pairwise distances of the n points.</param>
    /// <param name="ambientDimension">Ambient dimension D (used by the KDE normalisation only).</param>
    /// <param name="kind">Codensity function.</param>
    /// <param name="parameter">Bandwidth h, mass, or k (see <see cref="CodensityKind"/>).</param>
    /// <returns>Codensity per point, length n.</returns>
    public static float[] Compute(DistanceMatrix distances, int ambientDimension, CodensityKind kind, float parameter)
    {
        ArgumentNullException.ThrowIfNull(distances);
        if (!(parameter > 0f) || !float.IsFinite(parameter))
        {
            throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "The codensity parameter must be a positive number.");
        }

        int n = distances.Count;
        var c = new float[n];
        if (n == 0)
        {
            return c;
        }

        switch (kind)
        {
            case CodensityKind.GaussianKde:
                {
                    double h2 = (double)parameter * parameter;
                    double logNorm = (-0.5 * ambientDimension * Math.Log(2 * Math.PI * h2)) - Math.Log(n);
                    Parallel.For(0, n, i =>
                    {
                        // log-sum-exp for stability with tiny bandwidths.
                        double max = double.NegativeInfinity;
                        for (int j = 0; j < n; j++)
                        {
                            double d = distances[i, j];
                            max = Math.Max(max, -(d * d) / (2 * h2));
                        }

                        double s = 0;
                        for (int j = 0; j < n; j++)
                        {
                            double d = distances[i, j];
                            s += Math.Exp((-(d * d) / (2 * h2)) - max);
                        }

                        c[i] = (float)-(logNorm + max + Math.Log(s));
                    });
                    break;
                }

            case CodensityKind.DistanceToMeasure:
                {
                    if (parameter > 1f)
                    {
                        throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "DTM mass must be in (0, 1].");
                    }

                    int k = Math.Max(1, (int)Math.Ceiling(parameter * n));
                    Parallel.For(0, n, i =>
                    {
                        float[] row = Row(distances, i);
                        Array.Sort(row);
                        double s = 0;
                        for (int t = 0; t < k; t++)
                        {
                            s += (double)row[t] * row[t];
                        }

                        c[i] = (float)Math.Sqrt(s / k);
                    });
                    break;
                }

            case CodensityKind.KnnDistance:
                {
                    int k = Math.Min(Math.Max(1, (int)parameter), Math.Max(1, n - 1));
                    Parallel.For(0, n, i =>
                    {
                        float[] row = Row(distances, i);
                        Array.Sort(row);
                        double s = 0;
                        int have = Math.Min(k, n - 1);
                        for (int t = 1; t <= have; t++)
                        {
                            s += row[t];
                        }

                        c[i] = have == 0 ? 0f : (float)(s / have);
                    });
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown codensity.");
        }

        return c;
    }

    private static float[] Row(DistanceMatrix d, int i)
    {
        var row = new float[d.Count];
        for (int j = 0; j < row.Length; j++)
        {
            row[j] = d[i, j];
        }

        return row;
    }
}
