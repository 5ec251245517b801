using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class SparseRipsTests
{
    private static float[] Cloud(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n * dim).Select(_ => (float)rng.NextDouble())];
    }

    /// <summary>Noisy circle: a cloud with one long H1 class, so the bound is tested on a feature that matters.</summary>
    private static float[] Circle(int n, int seed)
    {
        var rng = new Random(seed);
        var pts = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            double a = rng.NextDouble() * 2 * Math.PI;
            double r = 1 + (0.1 * (rng.NextDouble() - 0.5));
            pts[2 * i] = (float)(r * Math.Cos(a));
            pts[(2 * i) + 1] = (float)(r * Math.Sin(a));
        }

        return pts;
    }

    [Theory]
    [InlineData(1, 80, 2, 1, 0.1f)]
    [InlineData(2, 80, 3, 1, 0.3f)]
    [InlineData(3, 120, 2, 1, 0.5f)]
    [InlineData(4, 60, 3, 2, 0.3f)]
    [InlineData(5, 100, 4, 1, 0.7f)]
    public void SparseDiagram_IsWithinTheInterleavingBoundOfTheExactOne(int seed, int n, int dim, int maxDim, float epsilon)
    {
        float[] pts = seed == 3 ? Circle(n, seed) : Cloud(n, dim, seed);
        int pointDim = seed == 3 ? 2 : dim;

        // No threshold cut (the largest distance), so only the sparsification differs.
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, pointDim);
        float all = dm.Lower.ToArray().Max();
        var exact = new RipsOptions { MaxDimension = maxDim, Threshold = all, Budget = ComplexBudget.Unlimited };
        PersistenceDiagram expected = RipsPersistence.Compute(pts, pointDim, exact);
        PersistenceDiagram sparse = RipsPersistence.Compute(pts, pointDim, exact with { SparseApproximation = epsilon });

        // Multiplicative interleaving ⇔ log-scale bottleneck distance ≤ −log(1 − ε).
        double bound = -Math.Log(1 - epsilon) + 1e-5;
        for (int k = 0; k <= maxDim; k++)
        {
            double distance = LogBottleneck(expected.InDimension(k).ToArray(), sparse.InDimension(k).ToArray());
            Assert.True(distance <= bound, $"H{k}: log-bottleneck {distance:G4} > −log(1 − ε) = {bound:G4}");
        }
    }

    [Fact]
    public void SparseBound_IsTightEnoughToFail_WhenTheApproximationIsReportedAsSmaller()
    {
        // The same check with a bound for a much smaller ε must be violated on some case: the test can fail.
        float[] pts = Circle(150, 9);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        var exact = new RipsOptions { MaxDimension = 1, Threshold = dm.Lower.ToArray().Max(), Budget = ComplexBudget.Unlimited };
        PersistenceDiagram expected = RipsPersistence.Compute(pts, 2, exact);
        PersistenceDiagram sparse = RipsPersistence.Compute(pts, 2, exact with { SparseApproximation = 0.7f });
        double worst = Math.Max(
            LogBottleneck(expected.InDimension(0).ToArray(), sparse.InDimension(0).ToArray()),
            LogBottleneck(expected.InDimension(1).ToArray(), sparse.InDimension(1).ToArray()));
        Assert.True(worst > -Math.Log(1 - 0.01), $"sparse ε = 0.7 changed the diagram by only {worst:G4}");
    }

    [Fact]
    public void Sparsify_KeepsFewerEdgesOnLargerClouds_AndIsDeterministic()
    {
        float[] pts = Cloud(600, 2, 11);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float all = dm.Lower.ToArray().Max();
        (DistanceMatrix a, int before, int after) = SparseRips.Sparsify(dm, 0.5f, all);
        (DistanceMatrix b, _, _) = SparseRips.Sparsify(dm, 0.5f, all);
        Assert.Equal(600 * 599 / 2, before);
        Assert.True(after < before / 5, $"{before} edges → {after}");
        Assert.Equal(a.Lower.ToArray(), b.Lower.ToArray());

        // Kept edges never get shorter than the distance (the relaxed value is ≥ d).
        ReadOnlySpan<float> d = dm.Lower;
        ReadOnlySpan<float> s = a.Lower;
        for (int i = 0; i < d.Length; i++)
        {
            Assert.True(s[i] >= d[i], $"edge {i}: {s[i]} < {d[i]}");
        }
    }

    [Fact]
    public void InsertionRadii_AreTheGreedyPermutationsCoveringRadii()
    {
        // Points on a line at 0, 1, 3, 7: greedy from 0 picks 7 (λ 7), then 3 (λ 3), then 1 (λ 1).
        DistanceMatrix dm = DistanceMatrix.FromPoints([0f, 1f, 3f, 7f], 1);
        float[] radius = SparseRips.InsertionRadii(dm);
        Assert.Equal([float.PositiveInfinity, 1f, 3f, 7f], radius);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    public void Epsilon_OutsideTheOpenUnitInterval_IsRefused(float epsilon)
    {
        var options = new RipsOptions { SparseApproximation = epsilon };
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Contains("(0, 1)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Bottleneck distance between diagrams of one degree after (b, d) ↦ (log b, log d), L∞ ground metric.</summary>
    private static double LogBottleneck(PersistencePair[] a, PersistencePair[] b)
    {
        // Essential classes must match one to one (same count), at log-distance |log b − log b'|.
        double[] essentialA = [.. a.Where(p => float.IsPositiveInfinity(p.Death)).Select(p => Log(p.Birth)).Order()];
        double[] essentialB = [.. b.Where(p => float.IsPositiveInfinity(p.Death)).Select(p => Log(p.Birth)).Order()];
        Assert.Equal(essentialA.Length, essentialB.Length);
        double worst = 0;
        for (int i = 0; i < essentialA.Length; i++)
        {
            worst = Math.Max(worst, Gap(essentialA[i], essentialB[i]));
        }

        (double B, double D)[] fa = [.. a.Where(p => float.IsFinite(p.Death)).Select(p => (Log(p.Birth), Log(p.Death)))];
        (double B, double D)[] fb = [.. b.Where(p => float.IsFinite(p.Death)).Select(p => (Log(p.Birth), Log(p.Death)))];
        var candidates = new SortedSet<double> { 0 };
        foreach (var p in fa)
        {
            candidates.Add((p.D - p.B) / 2);
            foreach (var q in fb)
            {
                candidates.Add(Math.Max(Gap(p.B, q.B), Gap(p.D, q.D)));
            }
        }

        foreach (var q in fb)
        {
            candidates.Add((q.D - q.B) / 2);
        }

        foreach (double delta in candidates)
        {
            if (PerfectMatching(fa, fb, delta))
            {
                return Math.Max(worst, delta);
            }
        }

        return double.PositiveInfinity;
    }

    private static double Log(float x) => x > 0 ? Math.Log(x) : double.NegativeInfinity;

    private static double Gap(double x, double y) => x == y ? 0 : Math.Abs(x - y);

    private static bool PerfectMatching((double B, double D)[] a, (double B, double D)[] b, double delta)
    {
        // Left: a_i, then the diagonal copies of b_j. Right: b_j, then the diagonal copies of a_i.
        int m = a.Length;
        int k = b.Length;
        bool Edge(int left, int right)
        {
            bool leftReal = left < m;
            bool rightReal = right < k;
            if (leftReal && rightReal)
            {
                return Math.Max(Gap(a[left].B, b[right].B), Gap(a[left].D, b[right].D)) <= delta;
            }

            if (leftReal)
            {
                return right - k == left && (a[left].D - a[left].B) / 2 <= delta;
            }

            if (rightReal)
            {
                return left - m == right && (b[right].D - b[right].B) / 2 <= delta;
            }

            return true;
        }

        int size = m + k;
        var matchRight = new int[size];
        Array.Fill(matchRight, -1);
        for (int left = 0; left < size; left++)
        {
            if (!Augment(left, new bool[size]))
            {
                return false;
            }
        }

        return true;

        bool Augment(int left, bool[] seen)
        {
            for (int right = 0; right < size; right++)
            {
                if (seen[right] || !Edge(left, right))
                {
                    continue;
                }

                seen[right] = true;
                if (matchRight[right] < 0 || Augment(matchRight[right], seen))
                {
                    matchRight[right] = left;
                    return true;
                }
            }

            return false;
        }
    }
}
