using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class SignedMeasureTests
{
    private static (FunctionRipsBifiltration F, FiltrationGrid G1, FiltrationGrid G2) Annulus(int n, int resolution, int seed = 3)
    {
        float[] pts = TopologyTestData.NoisyAnnulus(n, 0.1f, seed);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.3f);
        var f = new FunctionRipsBifiltration(dm, c, 1.2f);
        return (f, FiltrationGrid.Fit(f.EdgeValues(), GridStrategy.Regular, resolution), FiltrationGrid.Fit(c, GridStrategy.Quantile, resolution));
    }

    [Fact]
    public void Hilbert_CumulativeSumEqualsBettiNumbersOfEachGridComplex()
    {
        (FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2) = Annulus(40, 8);
        SignedMeasure[] mu = f.HilbertSignedMeasures(g1, g2, maxDegree: 1, zeroPad: false);
        long[][] h = [mu[0].Cumulative(), mu[1].Cumulative()];
        Assert.True(mu[1].TotalVariation > 0, "the annulus must have H1 somewhere on the grid");
        for (int b = 0; b < g2.Count; b++)
        {
            int[] subset = [.. Enumerable.Range(0, f.Distances.Count).Where(v => f.VertexFunction[v] <= g2.Values[b])];
            for (int a = 0; a < g1.Count; a++)
            {
                // Independent: Betti numbers of Rips_{g1[a]} on {c ≤ g2[b]} = essential classes at that threshold.
                float thr = MathF.Min(g1.Values[a], f.Threshold);
                PersistenceDiagram dgm = RipsPersistence.Compute(f.Distances.Subset(subset), new RipsOptions { MaxDimension = 1, Threshold = thr });
                for (int d = 0; d <= 1; d++)
                {
                    int betti = dgm.InDimension(d).ToArray().Count(p => p.IsEssential);
                    Assert.True(betti == h[d][(a * g2.Count) + b], $"H{d} at ({a},{b}): Betti {betti}, Σμ {h[d][(a * g2.Count) + b]}");
                }
            }
        }
    }

    [Fact]
    public void Hilbert_ZeroPadGivesMassZero()
    {
        (FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2) = Annulus(60, 12);
        foreach (SignedMeasure m in f.HilbertSignedMeasures(g1, g2, 1, zeroPad: true))
        {
            Assert.Equal(0, m.Mass);
        }
    }

    [Fact]
    public void Hilbert_IsInvariantToPointOrder()
    {
        float[] pts = TopologyTestData.NoisyAnnulus(70, 0.1f, 11);
        float[] shuffled = TopologyTestData.Permute(pts, 2, 5, out _);
        SignedMeasure[] a = Measure(pts);
        SignedMeasure[] b = Measure(shuffled);
        for (int d = 0; d < a.Length; d++)
        {
            Assert.Equal(a[d].Weights.ToArray(), b[d].Weights.ToArray());
        }

        static SignedMeasure[] Measure(float[] p)
        {
            DistanceMatrix dm = DistanceMatrix.FromPoints(p, 2);
            float[] c = Codensity.Compute(dm, 2, CodensityKind.DistanceToMeasure, 0.1f);
            var f = new FunctionRipsBifiltration(dm, c, 1f);
            var g1 = new FiltrationGrid([.. Enumerable.Range(0, 15).Select(i => i / 14f)]);
            var g2 = new FiltrationGrid([.. Enumerable.Range(0, 15).Select(i => 0.05f + (i / 30f))]);
            return f.HilbertSignedMeasures(g1, g2, 2, zeroPad: true);
        }
    }

    [Fact]
    public void Euler_EqualsAlternatingSumOfHilbertWhenAllDegreesAreIncluded()
    {
        // 7 points, no threshold below the diameter: the complex is the full 6-simplex, whose H6 vanishes, so
        // χ = Σ_{d ≤ 5} (−1)^d β_d on every grid complex.
        float[] pts = TopologyTestData.NoisyAnnulus(7, 0.2f, 17);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.KnnDistance, 2f);
        var f = new FunctionRipsBifiltration(dm, c, 100f);
        FiltrationGrid g1 = FiltrationGrid.Fit(f.EdgeValues(), GridStrategy.Exact, 1);
        FiltrationGrid g2 = FiltrationGrid.Fit(c, GridStrategy.Exact, 1);
        SignedMeasure[] hil = f.HilbertSignedMeasures(g1, g2, maxDegree: 5, zeroPad: false);
        long[] chi = f.EulerSignedMeasure(g1, g2, maxSimplexDimension: 6).Cumulative();
        var alternating = new long[chi.Length];
        for (int d = 0; d <= 5; d++)
        {
            long[] h = hil[d].Cumulative();
            for (int k = 0; k < h.Length; k++)
            {
                alternating[k] += (d % 2 == 0 ? 1 : -1) * h[k];
            }
        }

        Assert.Equal(alternating, chi);
        Assert.Contains(chi, x => x != 1); // not trivially contractible everywhere
    }

    [Fact]
    public void Euler_CountsSimplicesOfTheTopCorner()
    {
        // Cumulative Euler at the top-right corner = Σ_k (−1)^k #k-simplices of the whole truncated complex.
        float[] pts = TopologyTestData.NoisyAnnulus(25, 0.1f, 2);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.5f);
        var f = new FunctionRipsBifiltration(dm, c, 0.9f);
        var g1 = new FiltrationGrid([0f, 0.3f, 0.9f]);
        var g2 = new FiltrationGrid([c.Max()]);
        long[] chi = f.EulerSignedMeasure(g1, g2, 2).Cumulative();
        long v = 25;
        long e = 0;
        long t = 0;
        for (int i = 0; i < 25; i++)
        {
            for (int j = i + 1; j < 25; j++)
            {
                if (dm[i, j] <= 0.9f)
                {
                    e++;
                    for (int k = j + 1; k < 25; k++)
                    {
                        if (dm[i, k] <= 0.9f && dm[j, k] <= 0.9f)
                        {
                            t++;
                        }
                    }
                }
            }
        }

        Assert.Equal(v - e + t, chi[^1]);
    }

    [Fact]
    public void Graph_HilbertCumulativeSumEqualsComponentAndCycleCounts()
    {
        var rng = new Random(9);
        int n = 30;
        var edges = new List<(int, int)>();
        for (int k = 0; k < 45; k++)
        {
            edges.Add((rng.Next(n), rng.Next(n)));
        }

        var g = GraphStructure.Canonical(n, edges);
        float[] f1 = GraphVertexFunction.Compute(g, GraphVertexFunctionKind.HeatKernelSignature, 1f);
        float[] f2 = GraphVertexFunction.Compute(g, GraphVertexFunctionKind.Closeness);
        var bf = new GraphBifiltration(g, f1, f2);
        FiltrationGrid g1 = FiltrationGrid.Fit(f1, GridStrategy.Quantile, 10);
        FiltrationGrid g2 = FiltrationGrid.Fit(f2, GridStrategy.Regular, 10);
        SignedMeasure[] mu = bf.HilbertSignedMeasures(g1, g2, zeroPad: false);
        long[] h0 = mu[0].Cumulative();
        long[] h1 = mu[1].Cumulative();
        long[] chi = bf.EulerSignedMeasure(g1, g2).Cumulative();
        for (int a = 0; a < g1.Count; a++)
        {
            for (int b = 0; b < g2.Count; b++)
            {
                bool[] present = [.. Enumerable.Range(0, n).Select(v => f1[v] <= g1.Values[a] && f2[v] <= g2.Values[b])];
                (int u, int v)[] es = [.. g.Edges.ToArray().Where(e => present[e.U] && present[e.V])];
                int vertices = present.Count(x => x);
                int components = Components(n, present, es);
                int k = (a * g2.Count) + b;
                Assert.Equal(components, h0[k]);
                Assert.Equal(es.Length - vertices + components, h1[k]);
                Assert.Equal(vertices - es.Length, chi[k]);
            }
        }
    }

    private static int Components(int n, bool[] present, (int U, int V)[] edges)
    {
        int[] p = [.. Enumerable.Range(0, n)];
        int Find(int x) => p[x] == x ? x : p[x] = Find(p[x]);
        foreach ((int u, int v) in edges)
        {
            p[Find(u)] = Find(v);
        }

        return Enumerable.Range(0, n).Count(v => present[v] && Find(v) == v);
    }

    [Fact]
    public void Grid_SnapIsLowerBoundAndFitDropsTails()
    {
        var g = new FiltrationGrid([0f, 1f, 2f]);
        Assert.Equal(0, g.Snap(-5f));
        Assert.Equal(1, g.Snap(0.5f));
        Assert.Equal(1, g.Snap(1f));
        Assert.Equal(3, g.Snap(2.5f));
        float[] values = [.. Enumerable.Range(0, 100).Select(i => (float)i)];
        FiltrationGrid fit = FiltrationGrid.Fit(values, GridStrategy.Regular, 5, dropQuantile: 0.1f);
        Assert.Equal([10f, 29.75f, 49.5f, 69.25f, 89f], fit.Values.ToArray());
    }

    [Fact]
    public void Codensity_OutlierHasHighestKdeCodensity()
    {
        float[] pts = [0f, 0f, 0.1f, 0f, 0f, 0.1f, 0.1f, 0.1f, 5f, 5f];
        float[] c = Codensity.Compute(DistanceMatrix.FromPoints(pts, 2), 2, CodensityKind.GaussianKde, 0.5f);
        Assert.Equal(4, Array.IndexOf(c, c.Max()));
    }

    [Fact]
    public void DelayEmbedding_BuildsLaggedPoints()
    {
        float[] x = [0, 1, 2, 3, 4, 5, 6];
        float[] p = DelayEmbedding.Embed(x, dimension: 3, delay: 2, skip: 1);
        Assert.Equal(3, DelayEmbedding.PointCount(7, 3, 2, 1));
        Assert.Equal([0f, 2, 4, 1, 3, 5, 2, 4, 6], p);
        Assert.Throws<ArgumentException>(() => DelayEmbedding.Embed([1f, float.NaN], 1, 1, 1));
    }
}
