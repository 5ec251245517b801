using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class RankInvariantTests
{
    private static (FunctionRipsBifiltration F, FiltrationGrid G1, FiltrationGrid G2) Cloud(int n, int resolution, int seed)
    {
        float[] pts = TopologyTestData.NoisyAnnulus(n, 0.15f, seed);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.3f);
        var f = new FunctionRipsBifiltration(dm, c, 1.5f);
        float[] edges = [0f, .. f.EdgeValues()];
        return (f, FiltrationGrid.Fit(edges, GridStrategy.Regular, resolution), FiltrationGrid.Fit(c, GridStrategy.Quantile, resolution));
    }

    [Theory]
    [InlineData(1, 12, 6)]
    [InlineData(2, 20, 5)]
    [InlineData(3, 25, 7)]
    public void SignedBarcode_ResummingRectanglesGivesTheRankInvariantExactly(int seed, int n, int resolution)
    {
        (FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2) = Cloud(n, resolution, seed);
        RankInvariant[] rk = RankInvariant.Compute(f, g1, g2, maxDegree: 1);
        foreach (RankInvariant r in rk)
        {
            SignedBarcode bc = SignedBarcode.FromRankInvariant(r);
            Assert.True(bc.TotalVariation > 0 || r.Degree == 1);
            for (int i = 0; i < r.Columns; i++)
            {
                for (int j = 0; j < r.Rows; j++)
                {
                    for (int k = i; k < r.Columns; k++)
                    {
                        for (int l = j; l < r.Rows; l++)
                        {
                            Assert.True(r[i, j, k, l] == bc.RankAt(i, j, k, l), $"H{r.Degree} rk(({i},{j}),({k},{l})) = {r[i, j, k, l]}, rectangles give {bc.RankAt(i, j, k, l)}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void RankInvariant_DiagonalEqualsTheHilbertFunction()
    {
        (FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2) = Cloud(30, 8, 4);
        RankInvariant[] rk = RankInvariant.Compute(f, g1, g2, maxDegree: 1);
        SignedMeasure[] hilbert = f.HilbertSignedMeasures(g1, g2, maxDegree: 1, zeroPad: false);
        for (int d = 0; d <= 1; d++)
        {
            long[] h = hilbert[d].Cumulative();
            for (int i = 0; i < g1.Count; i++)
            {
                for (int j = 0; j < g2.Count; j++)
                {
                    Assert.Equal(h[(i * g2.Count) + j], rk[d][i, j, i, j]);
                }
            }
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void RankInvariant_AgreesWithBruteForceLinearAlgebraOnTinyComplexes(int seed)
    {
        (FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2) = Cloud(7, 4, seed);
        RankInvariant[] rk = RankInvariant.Compute(f, g1, g2, maxDegree: 1);
        var brute = new BruteForceRank(f, g1, g2);
        for (int d = 0; d <= 1; d++)
        {
            for (int i = 0; i < g1.Count; i++)
            {
                for (int j = 0; j < g2.Count; j++)
                {
                    for (int k = i; k < g1.Count; k++)
                    {
                        for (int l = j; l < g2.Count; l++)
                        {
                            int expected = brute.Rank(d, (i, j), (k, l));
                            Assert.True(expected == rk[d][i, j, k, l], $"H{d} rk(({i},{j}),({k},{l})): brute force {expected}, elbows {rk[d][i, j, k, l]}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void SignedBarcode_FreeModuleIsOnePositiveRectangle()
    {
        var f = new FunctionRipsBifiltration(DistanceMatrix.FromPoints([0f, 0f], 2), [1f], threshold: 10f);
        var g = new FiltrationGrid([0f, 1f, 2f]);
        SignedBarcode bc = SignedBarcode.FromRankInvariant(RankInvariant.Compute(f, g, g, maxDegree: 0)[0]);
        Assert.Equal([new SignedRectangle(0, 1, 2, 2, 1)], bc.Rectangles.ToArray());
    }

    [Fact]
    public void SignedBarcode_RectangleModulesArePositiveRectangles()
    {
        // u (c = 0) and v (c = 1) at distance 3: H0 = k[(0,0), ∞) ⊕ k[(0,1), (3,·)) — a free summand and a rectangle.
        var f = new FunctionRipsBifiltration(DistanceMatrix.FromPoints([0f, 0f, 3f, 0f], 2), [0f, 1f], threshold: 10f);
        var g1 = new FiltrationGrid([0f, 1f, 2f, 3f, 4f]);
        var g2 = new FiltrationGrid([0f, 1f, 2f]);
        SignedBarcode bc = SignedBarcode.FromRankInvariant(RankInvariant.Compute(f, g1, g2, maxDegree: 0)[0]);
        Assert.Equal([new SignedRectangle(0, 0, 4, 2, 1), new SignedRectangle(0, 1, 2, 2, 1)], bc.Rectangles.ToArray());
    }

    [Fact]
    public void SignedBarcode_TwoRectangleSummandsGiveTwoPositiveRectangles()
    {
        // Two points at distance 2 born together: H0 = k[(0,0), ∞) ⊕ k[(0,0), (2,·)), two positive rectangles.
        var f = new FunctionRipsBifiltration(DistanceMatrix.FromPoints([0f, 0f, 2f, 0f], 2), [0f, 0f], threshold: 10f);
        var g1 = new FiltrationGrid([0f, 1f, 2f, 3f]);
        var g2 = new FiltrationGrid([0f, 1f]);
        SignedBarcode bc = SignedBarcode.FromRankInvariant(RankInvariant.Compute(f, g1, g2, maxDegree: 0)[0]);
        Assert.All(bc.Rectangles.ToArray(), r => Assert.True(r.Weight > 0));
        Assert.Equal(2, bc.Rectangles.Length);
    }

    [Fact]
    public void RankInvariant_GraphResummingIsExact()
    {
        var graph = GraphStructure.Canonical(6, [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3)]);
        float[] f1 = [0f, 1f, 2f, 0.5f, 3f, 1.5f];
        float[] f2 = [2f, 0f, 1f, 3f, 0.5f, 2.5f];
        var b = new GraphBifiltration(graph, f1, f2);
        FiltrationGrid g1 = FiltrationGrid.Fit(f1, GridStrategy.Exact, 10);
        FiltrationGrid g2 = FiltrationGrid.Fit(f2, GridStrategy.Exact, 10);
        RankInvariant[] rk = RankInvariant.Compute(b, g1, g2);
        Assert.Equal(2, rk.Length);
        foreach (RankInvariant r in rk)
        {
            SignedBarcode bc = SignedBarcode.FromRankInvariant(r);
            for (int i = 0; i < r.Columns; i++)
            {
                for (int j = 0; j < r.Rows; j++)
                {
                    for (int k = i; k < r.Columns; k++)
                    {
                        for (int l = j; l < r.Rows; l++)
                        {
                            Assert.Equal(r[i, j, k, l], bc.RankAt(i, j, k, l));
                        }
                    }
                }
            }
        }

        // Both triangles close at the top corner: rk_H1 there is 2.
        Assert.Equal(2, rk[1][g1.Count - 1, g2.Count - 1, g1.Count - 1, g2.Count - 1]);
    }

    [Fact]
    public void RankInvariant_RefusesAnOversizedGridNamingTheEstimate()
    {
        (FunctionRipsBifiltration f, _, _) = Cloud(10, 4, 1);
        float[] values = [.. Enumerable.Range(0, 300).Select(i => i / 100f)];
        var g = new FiltrationGrid(values);
        PipelinesException e = Assert.Throws<PipelinesException>(() => RankInvariant.Compute(f, g, g, 1, new ComplexBudget(long.MaxValue, 1L << 30)));
        Assert.Equal(ErrorKind.Resource, e.Kind);
        Assert.Contains("MiB", e.Message, StringComparison.Ordinal);
        Assert.Contains("--max-mib", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignedBarcodeFeatures_AreLinearInTheRectangles()
    {
        (FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2) = Cloud(20, 6, 2);
        SignedBarcode bc = SignedBarcode.FromRankInvariant(RankInvariant.Compute(f, g1, g2, 0)[0]);
        (float[] pts, float[] w) = bc.ToUnitPoints(g1, g2, MeasureBox.Of(g1, g2));
        Assert.All(pts, x => Assert.InRange(x, 0f, 1f));
        int len = SignedBarcodeFeatures.ConvolutionLength(5);
        var all = new float[len];
        SignedBarcodeFeatures.Convolution(pts, w, 5, 0.2f, all);
        var sum = new float[len];
        var one = new float[len];
        for (int r = 0; r < w.Length; r++)
        {
            SignedBarcodeFeatures.Convolution(pts.AsSpan(4 * r, 4), w.AsSpan(r, 1), 5, 0.2f, one);
            for (int q = 0; q < len; q++)
            {
                sum[q] += one[q];
            }
        }

        for (int q = 0; q < len; q++)
        {
            Assert.Equal(sum[q], all[q], 3);
        }

        var sw = new float[8 * 10];
        SignedBarcodeFeatures.SlicedWasserstein(pts, w, 8, 10, sw);
        var swTwice = new float[8 * 10];
        SignedBarcodeFeatures.SlicedWasserstein([.. pts, .. pts], [.. w, .. w], 8, 10, swTwice);
        for (int q = 0; q < sw.Length; q++)
        {
            Assert.Equal(2 * sw[q], swTwice[q], 3);
        }
    }

    /// <summary>rk(s → t) = dim(Z_d(K_s) + B_d(K_t)) − dim B_d(K_t) over Z/2, simplices enumerated from all subsets.</summary>
    private sealed class BruteForceRank
    {
        private readonly List<(int[] Vertices, int X, int Y)> _simplices = [];

        public BruteForceRank(FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2)
        {
            int n = f.Distances.Count;
            for (int mask = 1; mask < 1 << n; mask++)
            {
                int[] vs = [.. Enumerable.Range(0, n).Where(v => (mask & (1 << v)) != 0)];
                if (vs.Length > 3)
                {
                    continue;
                }

                float diam = 0f;
                float level = float.MinValue;
                foreach (int a in vs)
                {
                    level = MathF.Max(level, f.VertexFunction[a]);
                    foreach (int b in vs)
                    {
                        diam = MathF.Max(diam, f.Distances[a, b]);
                    }
                }

                if (diam <= f.Threshold)
                {
                    _simplices.Add((vs, g1.Snap(diam), g2.Snap(level)));
                }
            }
        }

        public int Rank(int d, (int X, int Y) s, (int X, int Y) t)
        {
            List<int[]> Cells(int dim, (int X, int Y) at) => [.. _simplices.Where(c => c.Vertices.Length == dim + 1 && c.X <= at.X && c.Y <= at.Y).Select(c => c.Vertices)];
            List<int[]> faces = [.. _simplices.Where(c => c.Vertices.Length == d).Select(c => c.Vertices)];
            List<int[]> dCells = [.. _simplices.Where(c => c.Vertices.Length == d + 1).Select(c => c.Vertices)];
            UInt128 Chain(IEnumerable<int[]> cells, List<int[]> basis) => cells.Aggregate(UInt128.Zero, (acc, c) => acc ^ (UInt128.One << basis.FindIndex(b => b.SequenceEqual(c))));
            UInt128 BoundaryOf(int[] c, List<int[]> basis) => Chain(Enumerable.Range(0, c.Length).Select(k => c.Where((_, q) => q != k).ToArray()), basis);

            // Cycles of K_s: reduce (∂c | c) pairs; combinations with zero boundary are cycles.
            var cycles = new List<UInt128>();
            var rows = new List<(UInt128 Boundary, UInt128 Chain)>();
            foreach (int[] c in Cells(d, s))
            {
                UInt128 bd = d == 0 ? UInt128.Zero : BoundaryOf(c, faces);
                UInt128 ch = Chain([c], dCells);
                foreach ((UInt128 rb, UInt128 rc) in rows)
                {
                    if (bd != UInt128.Zero && (bd & Top(rb)) != UInt128.Zero)
                    {
                        bd ^= rb;
                        ch ^= rc;
                    }
                }

                if (bd == UInt128.Zero)
                {
                    cycles.Add(ch);
                }
                else
                {
                    rows.Add((bd, ch));
                    rows.Sort((a, b) => Top(b.Boundary).CompareTo(Top(a.Boundary)));
                }
            }

            List<UInt128> boundaries = [.. Cells(d + 1, t).Select(c => BoundaryOf(c, dCells))];
            return RankOf([.. cycles, .. boundaries]) - RankOf(boundaries);
        }

        private static UInt128 Top(UInt128 x) => x == UInt128.Zero ? UInt128.Zero : UInt128.One << (127 - (int)UInt128.LeadingZeroCount(x));

        private static int RankOf(List<UInt128> vectors)
        {
            var basis = new List<UInt128>();
            foreach (UInt128 v0 in vectors)
            {
                UInt128 v = v0;
                foreach (UInt128 b in basis)
                {
                    if ((v & Top(b)) != UInt128.Zero)
                    {
                        v ^= b;
                    }
                }

                if (v != UInt128.Zero)
                {
                    basis.Add(v);
                    basis.Sort((a, b) => b.CompareTo(a));
                }
            }

            return basis.Count;
        }
    }
}
