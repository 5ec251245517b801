using Pipelines.Numerics.Graphs;
using Xunit;

namespace Pipelines.Numerics.Tests.Graphs;

public class LaplacianSpectrumTests
{
    private const double Tol = 1e-9;

    public static TheoryData<string> NamedGraphs() => ["K6", "C6", "Petersen", "Q3", "Grid3x3", "Union", "Isolated", "Random40"];

    internal static GraphStructure Named(string name) => name switch
    {
        "K6" => RandomGraphs.Complete(6),
        "C6" => RandomGraphs.Cycle(6),
        "Petersen" => RandomGraphs.Petersen(),
        "Q3" => RandomGraphs.Hypercube(3),
        "Grid3x3" => RandomGraphs.Grid(3, 3),
        "Union" => RandomGraphs.Cycle(6).DisjointUnion(RandomGraphs.Complete(4)).DisjointUnion(RandomGraphs.Path(3)),
        "Isolated" => new GraphStructure(5, [0, 1], [1, 2]),
        "Random40" => RandomGraphs.ErdosRenyi(40, 0.12, new Random(7)),
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void Dense_CycleMatchesClosedForm()
    {
        const int n = 7;
        Spectrum s = LaplacianSpectrum.Compute(RandomGraphs.Cycle(n), new SpectrumOptions(K: n, Solver: EigensolverKind.Dense));
        double[] expected = Enumerable.Range(0, n).Select(k => 1 - Math.Cos(2 * Math.PI * k / n)).Order().ToArray();
        Assert.True(GraphTestMath.MaxAbsDiff(expected, s.Values) < Tol);
        Assert.Equal(double.PositiveInfinity, s.Gap);
    }

    [Theory]
    [MemberData(nameof(NamedGraphs))]
    public void Dense_IsOrthonormalEigenbasis(string name)
    {
        GraphStructure g = Named(name);
        int n = g.NodeCount;
        Spectrum s = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: n, Solver: EigensolverKind.Dense));
        double[] l = NormalizedLaplacian.Dense(g);
        for (int j = 0; j < n; j++)
        {
            Assert.InRange(s.Values[j], -Tol, 2 + Tol);
            for (int i = 0; i < n; i++)
            {
                double lv = 0;
                for (int k = 0; k < n; k++)
                {
                    lv += l[(i * n) + k] * s.Vectors[(k * n) + j];
                }

                Assert.True(Math.Abs(lv - (s.Values[j] * s.Vectors[(i * n) + j])) < 1e-9, $"{name}: L v ≠ λ v at ({i}, {j})");
            }
        }

        double[] p = GraphTestMath.Projector(s);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                Assert.True(Math.Abs(p[(i * n) + j] - (i == j ? 1 : 0)) < 1e-9);
            }
        }
    }

    [Fact]
    public void Dense_IsolatedNodeHasEigenvalueOneAndComponentsZeroModes()
    {
        // Components: {0,1,2} path, {3}, {4} isolated → one zero mode, two eigenvalues 1 from the isolated nodes.
        Spectrum s = LaplacianSpectrum.Compute(Named("Isolated"), new SpectrumOptions(K: 5, Solver: EigensolverKind.Dense));
        Assert.Equal(1, s.Values.Count(v => Math.Abs(v) < Tol));
        Assert.Equal(3, s.Values.Count(v => Math.Abs(v - 1) < Tol)); // path P3 also has eigenvalue 1
        Spectrum u = LaplacianSpectrum.Compute(Named("Union"), new SpectrumOptions(K: 13, Solver: EigensolverKind.Dense));
        Assert.Equal(3, u.Values.Count(v => Math.Abs(v) < Tol));
    }

    [Theory]
    [MemberData(nameof(NamedGraphs))]
    public void Lanczos_MatchesDenseEigenvaluesAndEigenspaces(string name)
    {
        GraphStructure g = Named(name);
        int n = g.NodeCount;
        int k = Math.Min(8, n);
        Spectrum dense = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: k, Solver: EigensolverKind.Dense, Truncation: SpectrumTruncation.Eigengap));
        Spectrum lanczos = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: k, Solver: EigensolverKind.Lanczos, Truncation: SpectrumTruncation.Eigengap));
        Assert.Equal(EigensolverKind.Lanczos, lanczos.Solver);
        Assert.Equal(dense.Count, lanczos.Count);
        Assert.True(GraphTestMath.MaxAbsDiff(dense.Values, lanczos.Values) < 1e-8, name);
        Assert.True(Math.Abs(dense.NextValue - lanczos.NextValue) < 1e-8 || (double.IsInfinity(dense.NextValue) && double.IsInfinity(lanczos.NextValue)));

        // Eigengap truncation never splits an eigenspace, so the projector V Vᵀ is basis-free and must agree.
        Assert.True(GraphTestMath.MaxAbsDiff(GraphTestMath.Projector(dense), GraphTestMath.Projector(lanczos)) < 1e-7, name);
    }

    [Fact]
    public void Lanczos_IsDeterministicAndHandlesLargeSparseGraphs()
    {
        GraphStructure g = RandomGraphs.Grid(30, 40).DisjointUnion(RandomGraphs.ErdosRenyi(300, 0.01, new Random(3)));
        Spectrum a = LanczosEigensolver.Smallest(g, 12);
        Spectrum b = LanczosEigensolver.Smallest(g, 12);
        Assert.Equal(a.Values, b.Values);
        Assert.Equal(a.Vectors, b.Vectors);
        int n = g.NodeCount;
        var lv = new double[n];
        double[] dis = NormalizedLaplacian.InverseSqrtDegrees(g);
        for (int j = 0; j < a.Count; j++)
        {
            double[] v = Enumerable.Range(0, n).Select(i => a.Vectors[(i * a.Count) + j]).ToArray();
            NormalizedLaplacian.Multiply(g, dis, v, lv);
            double res = Math.Sqrt(Enumerable.Range(0, n).Sum(i => Math.Pow(lv[i] - (a.Values[j] * v[i]), 2)));
            Assert.True(res < 1e-8, $"residual {res} for pair {j}");
        }

        Assert.True(a.Values.Zip(a.Values.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void Eigengap_NeverSplitsDegenerateEigenspace()
    {
        // K5: 0, then 5/4 four times. k = 2 would split → d = 1, γ = 5/4.
        Spectrum fixedK = LaplacianSpectrum.Compute(RandomGraphs.Complete(5), new SpectrumOptions(K: 2, Truncation: SpectrumTruncation.Fixed));
        Assert.Equal(2, fixedK.Count);
        Assert.True(fixedK.SplitsEigenspace());
        Assert.Equal(0, fixedK.EigengapCut);
        Spectrum gap = LaplacianSpectrum.Compute(RandomGraphs.Complete(5), new SpectrumOptions(K: 2, Truncation: SpectrumTruncation.Eigengap));
        Assert.Equal(1, gap.Count);
        Assert.Equal(1.25, gap.Gap, 9);
        Assert.False(gap.SplitsEigenspace());
        Assert.Equal(1, gap.EigengapCut);

        // C6: 0, .5, .5, 1.5, 1.5, 2; k = 4 splits the 1.5 pair → d = 3.
        Spectrum c6 = LaplacianSpectrum.Compute(RandomGraphs.Cycle(6), new SpectrumOptions(K: 4, Truncation: SpectrumTruncation.Eigengap));
        Assert.Equal(3, c6.Count);
        Assert.Equal(1.0, c6.Gap, 9);
    }

    [Fact]
    public void Full_IsTheDefault_KeepsEveryPairUpToTheLimit_CutsAtAGapAbove()
    {
        Assert.Equal(SpectrumTruncation.Full, new SpectrumOptions().Truncation);
        Assert.Equal(128, SpectrumOptions.Defaults.FullNodeLimit);

        // K5 with k = 2: the full spectrum (5 pairs, γ = ∞) under the limit …
        Spectrum whole = LaplacianSpectrum.Compute(RandomGraphs.Complete(5), new SpectrumOptions(K: 2));
        Assert.Equal(5, whole.Count);
        Assert.True(double.IsPositiveInfinity(whole.Gap));
        Assert.Equal(0, whole.EigengapCut);

        // … and above it the eigengap rule (d = 1 instead of splitting 5/4 ×4), the dropped pair reported.
        Spectrum cut = LaplacianSpectrum.Compute(RandomGraphs.Complete(5), new SpectrumOptions(K: 2, FullNodeLimit: 4));
        Assert.Equal(1, cut.Count);
        Assert.Equal(1, cut.EigengapCut);
        Assert.False(cut.SplitsEigenspace());
        Assert.Equal(new SpectrumCut(1, 1, 2), SpectrumCut.Of([whole, cut, null]));

        // Above the dense limit too (Lanczos), the cut falls at a gap: C_40 eigenvalues come in pairs.
        Spectrum lanczos = LaplacianSpectrum.Compute(RandomGraphs.Cycle(40), new SpectrumOptions(K: 4, FullNodeLimit: 8, DenseNodeLimit: 8));
        Assert.Equal(EigensolverKind.Lanczos, lanczos.Solver);
        Assert.Equal(3, lanczos.Count);
        Assert.Equal(1, lanczos.EigengapCut);
    }

    [Fact]
    public void Full_AboveTheDenseLimit_StillSolvesDensely()
    {
        Spectrum s = LaplacianSpectrum.Compute(RandomGraphs.Cycle(12), new SpectrumOptions(K: 2, DenseNodeLimit: 8, FullNodeLimit: 16));
        Assert.Equal((12, EigensolverKind.Dense), (s.Count, s.Solver));
    }

    [Fact]
    public void FloatSolver_AgreesWithDoubleOnProjectors()
    {
        GraphStructure g = Named("Random40");
        var o = new SpectrumOptions(K: 10, Truncation: SpectrumTruncation.Eigengap);
        Spectrum d = LaplacianSpectrum.Compute(g, o with { Solver = EigensolverKind.Dense });
        Spectrum f = LaplacianSpectrum.Compute(g, o with { Solver = EigensolverKind.DenseSingle });
        Assert.True(GraphTestMath.MaxAbsDiff(d.Values, f.Values) < 1e-5);
    }

    [Fact]
    public void WritePadded_ZeroPadsAndMasks()
    {
        Spectrum s = LaplacianSpectrum.Compute(RandomGraphs.Path(3), new SpectrumOptions(K: 5));
        Assert.Equal(3, s.Count);
        var values = new float[5];
        var vectors = new float[15];
        var mask = new float[5];
        s.WritePadded(5, values, vectors, mask);
        Assert.Equal([1f, 1f, 1f, 0f, 0f], mask);
        Assert.Equal(0f, values[3]);
        Assert.Equal(0f, vectors[(2 * 5) + 4]);
        Assert.Equal((float)s.Vectors[(2 * 3) + 1], vectors[(2 * 5) + 1]);
        Assert.Throws<ArgumentException>(() => s.WritePadded(2, values, vectors, mask));
    }

    [Fact]
    public void ComputeMany_UsesCacheAndMatchesSequential()
    {
        var rng = new Random(11);
        var graphs = Enumerable.Range(0, 20).Select(i => RandomGraphs.ErdosRenyi(15 + (i % 5), 0.2, rng)).ToList();
        graphs.AddRange(graphs.Take(5));
        var cache = new SpectrumCache();
        var o = new SpectrumOptions(K: 6);
        Spectrum[] many = LaplacianSpectrum.ComputeMany(graphs, o, cache, maxDegreeOfParallelism: 2);
        for (int i = 0; i < graphs.Count; i++)
        {
            Assert.Equal(LaplacianSpectrum.Compute(graphs[i], o).Values, many[i].Values);
        }

        Assert.Equal(20, cache.Count);
        Assert.True(cache.Hits + cache.Misses == 25 && cache.Hits >= 1);
    }

    [Fact]
    public void Options_RejectBadValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpectrumOptions(K: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpectrumOptions(DegeneracyTolerance: double.NaN).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphStructure(3, [0], [3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphStructure(3, [0], [1], [-1.0]));
    }
}
