using Pipelines.Numerics.Graphs;

namespace Pipelines.Transforms.Graphs.Analysis;

/// <summary>How edge weights are perturbed at magnitude t.</summary>
public enum EdgePerturbation
{
    /// <summary>One edge's weight becomes <c>1 + t</c> (splits degenerate eigenvalues on symmetric graphs).</summary>
    SingleEdge,

    /// <summary>Every weight becomes <c>1 + t·ξ_e</c>, <c>ξ_e ~ U[−1, 1]</c> seeded.</summary>
    RandomJitter,
}

/// <summary>One point of a stability curve.</summary>
/// <param name="T">Perturbation magnitude t.</param>
/// <param name="LaplacianChange"><c>‖L_t − L‖_F</c>.</param>
/// <param name="EncodingChange"><c>‖PE(L_t) − PE(L)‖_F / ‖PE(L)‖_F</c>.</param>
public readonly record struct StabilityPoint(double T, double LaplacianChange, double EncodingChange);

/// <summary>
/// The stability experiment of SPE §2 (Theorem 3.1): perturb edge weights by t ∈ [1e-6, 1e-1], measure the relative
/// change of an encoding against <c>‖ΔL‖_F</c>, and fit the log-log slope (Hölder exponent; ≥ ½ for a stable PE).
/// </summary>
public static class EncodingStability
{
    /// <summary>Measures one curve. <paramref name="encode"/> maps a weighted graph to its flattened encoding.</summary>
    public static StabilityPoint[] Measure(
        GraphStructure graph, Func<GraphStructure, double[]> encode, EdgePerturbation perturbation, IReadOnlyList<double> magnitudes, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(encode);
        ArgumentNullException.ThrowIfNull(magnitudes);
        if (graph.EdgeCount == 0)
        {
            throw new ArgumentException("The stability experiment needs a graph with at least one edge.", nameof(graph));
        }

        double[] baseline = encode(graph);
        double norm = Math.Sqrt(baseline.Sum(x => x * x));
        var xi = new double[graph.EdgeCount];
        var rng = new Random(seed);
        for (int e = 0; e < xi.Length; e++)
        {
            xi[e] = (rng.NextDouble() * 2) - 1;
        }

        var points = new StabilityPoint[magnitudes.Count];
        for (int p = 0; p < magnitudes.Count; p++)
        {
            double t = magnitudes[p];
            var w = new double[graph.EdgeCount];
            for (int e = 0; e < w.Length; e++)
            {
                w[e] = perturbation == EdgePerturbation.SingleEdge ? (e == 0 ? 1 + t : 1) : 1 + (t * xi[e]);
            }

            GraphStructure perturbed = graph.WithWeights(w);
            double[] pe = encode(perturbed);
            double diff = Math.Sqrt(pe.Zip(baseline, (a, b) => (a - b) * (a - b)).Sum());
            points[p] = new StabilityPoint(t, NormalizedLaplacian.FrobeniusDistance(graph, perturbed), diff / Math.Max(norm, 1e-300));
        }

        return points;
    }

    /// <summary>Least-squares slope of <c>log ΔPE</c> against <c>log ΔL</c> (points with ΔPE = 0 are skipped).</summary>
    public static double LogLogSlope(IReadOnlyList<StabilityPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var xy = points.Where(p => p.EncodingChange > 0 && p.LaplacianChange > 0)
            .Select(p => (X: Math.Log10(p.LaplacianChange), Y: Math.Log10(p.EncodingChange))).ToArray();
        if (xy.Length < 2)
        {
            return double.NaN;
        }

        double mx = xy.Average(p => p.X);
        double my = xy.Average(p => p.Y);
        double sxy = xy.Sum(p => (p.X - mx) * (p.Y - my));
        double sxx = xy.Sum(p => (p.X - mx) * (p.X - mx));
        return sxy / sxx;
    }

    /// <summary><c>10^{from}, …, 10^{to}</c> in <paramref name="count"/> log-spaced steps.</summary>
    public static double[] LogSpace(double from, double to, int count) =>
        Enumerable.Range(0, count).Select(i => Math.Pow(10, from + ((to - from) * i / (count - 1)))).ToArray();
}
