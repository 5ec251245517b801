using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology.Mma;

public sealed class ModuleApproximationTests
{
    private static FunctionRipsBifiltration Cloud(int n, int seed, float noise = 0.15f)
    {
        float[] pts = TopologyTestData.NoisyAnnulus(n, noise, seed);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        return new FunctionRipsBifiltration(dm, Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.5f));
    }

    private static List<(int[] Vertices, float X, float Y)> Oracle(FunctionRipsBifiltration f, int maxDegree)
    {
        int n = f.Distances.Count;
        float[] c = f.VertexFunction.ToArray();
        return MmaOracle.FlagComplex(new float[n], c, (u, v) => f.Distances[u, v] <= f.Threshold ? (f.Distances[u, v], MathF.Max(c[u], c[v])) : null, maxDegree + 1);
    }

    private static void AssertRestrictionsMatch(MmaModule module, List<(int[] Vertices, float X, float Y)> oracle, int maxDegree, int seed)
    {
        Assert.Equal(0, module.Discontinuities);
        float delta = module.Precision;
        var rng = new Random(seed);
        ReadOnlySpan<float> offsets = module.LineOffsets;
        var lines = new List<(float Offset, double Tolerance)>();
        foreach (float c in offsets)
        {
            lines.Add((c, 1e-4));
        }

        for (int k = 0; k < 8; k++)
        {
            float c = offsets[0] + ((float)rng.NextDouble() * (offsets[^1] - offsets[0]));
            lines.Add((c, delta + 1e-4));
        }

        for (int d = 0; d <= maxDegree; d++)
        {
            foreach ((float c, double tol) in lines)
            {
                List<LineBar> direct = MmaOracle.LineBarcode(oracle, c, d);
                LineBar[] restricted = module.RestrictToLine(d, c);
                double distance = MmaOracle.Bottleneck(direct, restricted);
                Assert.True(distance <= tol, $"H{d} line c={c}: bottleneck {distance} > {tol} (direct {direct.Count} bars, summands give {restricted.Length})");
            }
        }
    }

    [Theory]
    [InlineData(9, 1)]
    [InlineData(11, 2)]
    [InlineData(12, 3)]
    [InlineData(10, 4)]
    public void FunctionRips_EveryLineBarcodeEqualsTheSummandsRestriction(int n, int seed)
    {
        FunctionRipsBifiltration f = Cloud(n, seed);
        MeasureBox bounds = BifilteredComplex.FromFunctionRips(f).Bounds;
        float delta = ((bounds.Hi1 - bounds.Lo1) + (bounds.Hi2 - bounds.Lo2)) / 25f;
        MmaModule module = ModuleApproximation.Compute(f, new ModuleApproximationOptions { Precision = delta, MaxDegree = 1 });
        Assert.True(module.Summands(0).Count > 0);
        AssertRestrictionsMatch(module, Oracle(f, 1), 1, seed);
    }

    [Theory]
    [InlineData(0.1f, 5)]
    [InlineData(0.04f, 6)]
    public void FunctionRips_Normalized_RestrictionsMatchInUnitSquareUnits(float delta, int seed)
    {
        FunctionRipsBifiltration f = Cloud(10, seed);
        MeasureBox box = BifilteredComplex.FromFunctionRips(f).Bounds;
        MmaModule module = ModuleApproximation.Compute(f, new ModuleApproximationOptions { Precision = delta, MaxDegree = 1, Normalize = true });
        Assert.Equal(new MeasureBox(0f, 1f, 0f, 1f), module.Box);
        int n = f.Distances.Count;
        float[] c = f.VertexFunction.ToArray();
        List<(int[], float, float)> oracle = MmaOracle.FlagComplex(
            [.. Enumerable.Repeat(box.U(0f), n)],
            [.. c.Select(box.V)],
            (u, v) => f.Distances[u, v] <= f.Threshold ? (box.U(f.Distances[u, v]), box.V(MathF.Max(c[u], c[v]))) : null,
            2);
        AssertRestrictionsMatch(module, oracle, 1, seed);
    }

    [Theory]
    [InlineData(12, 0.3, 7)]
    [InlineData(15, 0.25, 8)]
    public void Graph_EveryLineBarcodeEqualsTheSummandsRestriction(int n, double p, int seed)
    {
        var rng = new Random(seed);
        GraphStructure g = RandomGraphs.ErdosRenyi(n, p, rng);
        float[] f1 = [.. Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble())];
        float[] f2 = [.. Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble())];
        var filtration = new GraphBifiltration(g, f1, f2);
        MmaModule module = ModuleApproximation.Compute(filtration, new ModuleApproximationOptions { Precision = 0.08f, MaxDegree = 1 });
        var edges = g.Edges.ToArray().ToHashSet();
        List<(int[], float, float)> oracle = MmaOracle.FlagComplex(f1, f2, (u, v) => edges.Contains((u, v)) || edges.Contains((v, u)) ? (MathF.Max(f1[u], f1[v]), MathF.Max(f2[u], f2[v])) : null, 1);
        AssertRestrictionsMatch(module, oracle, 1, seed);
    }

    [Fact]
    public void TwoVerticesAndAnEdge_EssentialSummandHasTheTwoBirthCorners()
    {
        // Vertices at (0, 1) and (1, 0), the edge at (1, 1) (multipers tests/test_mma.py::test_1).
        var filtration = new GraphBifiltration(GraphStructure.FromEdges(2, (0, 1)), [0f, 1f], [1f, 0f]);
        MmaModule module = ModuleApproximation.Compute(filtration, new ModuleApproximationOptions { Precision = 0.5f, MaxDegree = 0 });
        Assert.Equal(0, module.Discontinuities);
        MmaSummand essential = Assert.Single(module.Summands(0), s => float.IsPositiveInfinity(s.DeathCorners[^1].X));
        Assert.Equal([new MmaCorner(0f, 1f), new MmaCorner(1f, 0f)], essential.BirthCorners.ToArray());

        // The finite summand: the younger vertex dies at the edge, a staircase inside [0, 1]².
        foreach (MmaSummand s in module.Summands(0).Where(s => s != essential))
        {
            Assert.All(s.DeathCorners.ToArray(), d => Assert.True(d.X <= 1f && d.Y <= 1f));
        }
    }

    [Fact]
    public void ConstantSecondParameter_ReducesToOneParameterPersistence()
    {
        FunctionRipsBifiltration f = Cloud(12, 9);
        var flat = new FunctionRipsBifiltration(f.Distances, new float[12], f.Threshold);
        MmaModule module = ModuleApproximation.Compute(flat, new ModuleApproximationOptions { Precision = 0.05f, MaxDegree = 1 });
        PersistenceDiagram dgm = RipsPersistence.Compute(f.Distances, new RipsOptions { MaxDimension = 1, Threshold = f.Threshold });
        for (int d = 0; d <= 1; d++)
        {
            // On the line through the origin (c = 0) s is the Rips scale.
            LineBar[] restricted = module.RestrictToLine(d, 0f);
            LineBar[] rips = [.. dgm.InDimension(d).ToArray().Select(p => new LineBar(p.Birth, p.Death))];
            Assert.True(MmaOracle.Bottleneck(rips, restricted) <= 1e-5, $"H{d}");
        }
    }

    [Theory]
    [InlineData(40, 21, false)]
    [InlineData(60, 22, true)]
    public void EdgeCollapse_KeepsTheLineFamilyAndEveryLinesBarcode(int n, int seed, bool normalize)
    {
        FunctionRipsBifiltration f = Cloud(n, seed);
        BifilteredComplex whole = BifilteredComplex.FromFunctionRips(f);
        BifilteredComplex collapsed = BifilteredComplex.FromFunctionRips(f, collapse: true);
        Assert.True(collapsed.EdgeCount < whole.EdgeCount, $"nothing collapsed: {whole.EdgeCount} edges");
        Assert.Equal(whole.Bounds, collapsed.Bounds);
        var on = new ModuleApproximationOptions { Precision = 0.05f, MaxDegree = 1, Normalize = normalize };
        MmaModule a = ModuleApproximation.Compute(f, on);
        MmaModule b = ModuleApproximation.Compute(f, on with { EdgeCollapse = EdgeCollapseMode.Off });
        Assert.Equal(b.LineOffsets.ToArray(), a.LineOffsets.ToArray());
        for (int d = 0; d <= 1; d++)
        {
            Assert.Equal(b.Summands(d).Count, a.Summands(d).Count);
            for (int i = 0; i < a.Summands(d).Count; i++)
            {
                Assert.Equal(b.Summands(d)[i].Bars.ToArray(), a.Summands(d)[i].Bars.ToArray());
            }
        }
    }

    [Fact]
    public void Compute_IsDeterministic()
    {
        FunctionRipsBifiltration f = Cloud(30, 11);
        var options = new ModuleApproximationOptions { Precision = 0.03f, MaxDegree = 1, Normalize = true };
        MmaModule a = ModuleApproximation.Compute(f, options);
        MmaModule b = ModuleApproximation.Compute(f, options);
        for (int d = 0; d <= 1; d++)
        {
            Assert.Equal(a.Summands(d).Count, b.Summands(d).Count);
            for (int i = 0; i < a.Summands(d).Count; i++)
            {
                Assert.Equal(a.Summands(d)[i].BirthCorners.ToArray(), b.Summands(d)[i].BirthCorners.ToArray());
                Assert.Equal(a.Summands(d)[i].DeathCorners.ToArray(), b.Summands(d)[i].DeathCorners.ToArray());
            }

            var ia = new float[100];
            var ib = new float[100];
            MmaRepresentation.Image(a, d, 10, 0.1f, 1f, ia);
            MmaRepresentation.Image(b, d, 10, 0.1f, 1f, ib);
            Assert.Equal(ia, ib);
        }
    }

    [Fact]
    public void Compute_RefusesTooManyLinesNamingTheEstimateAndThePrecisionOption()
    {
        FunctionRipsBifiltration f = Cloud(30, 12);
        var options = new ModuleApproximationOptions { Precision = 1f / 8192, Normalize = true, Budget = ComplexBudget.Default with { MaxSimplices = 1_000_000 } };
        var e = Assert.Throws<ModuleApproximationBudgetExceededException>(() => ModuleApproximation.Compute(f, options));
        Assert.Equal(ErrorKind.Resource, e.Kind);
        Assert.Equal(16385, e.Lines);
        Assert.Contains("16,385 lines", e.Message, StringComparison.Ordinal);
        Assert.Contains("--precision", e.Message, StringComparison.Ordinal);

        // A coarser δ passes the same budget: 201 lines × 465 simplices.
        Assert.NotNull(ModuleApproximation.Compute(f, options with { Precision = 0.01f }));
    }

    [Fact]
    public void Compute_IgnoresPointOrder()
    {
        float[] pts = TopologyTestData.NoisyAnnulus(40, 0.15f, 13);
        float[] permuted = TopologyTestData.Permute(pts, 2, 14, out _);
        MmaModule Run(float[] p)
        {
            DistanceMatrix dm = DistanceMatrix.FromPoints(p, 2);
            var f = new FunctionRipsBifiltration(dm, Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.5f));
            return ModuleApproximation.Compute(f, new ModuleApproximationOptions { Precision = 0.05f, MaxDegree = 1, Normalize = true });
        }

        MmaModule a = Run(pts);
        MmaModule b = Run(permuted);
        for (int d = 0; d <= 1; d++)
        {
            Assert.Equal(a.Summands(d).Count, b.Summands(d).Count);
            var ia = new float[3 * 15 * 15];
            var ib = new float[3 * 15 * 15];
            MmaRepresentation.Landscapes(a, d, 3, 15, ia);
            MmaRepresentation.Landscapes(b, d, 3, 15, ib);
            Assert.All(ia.Zip(ib), t => Assert.Equal(t.First, t.Second, 1e-5f));
            MmaRepresentation.Image(a, d, 15, 0.1f, 1f, ia.AsSpan(0, 225));
            MmaRepresentation.Image(b, d, 15, 0.1f, 1f, ib.AsSpan(0, 225));
            Assert.All(ia.Zip(ib), t => Assert.Equal(t.First, t.Second, 1e-4f));
        }
    }
}
