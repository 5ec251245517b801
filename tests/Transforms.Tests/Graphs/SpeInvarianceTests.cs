using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

/// <summary>
/// SPE's invariance suite (eval mode; φ, ρ randomly initialised, seeded). Tolerances: 1e-8 absolute in float64,
/// 2e-4 relative to max|PE| in float32.
/// </summary>
public sealed class SpeInvarianceTests : IDisposable
{
    private const double DoubleTol = 1e-8;
    private const double FloatRelTol = 2e-4;

    private static readonly SpeOptions s_options = new(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: 8, Seed: 3);
    private readonly SpeEncoder _double = new(SpeParameters.Initialize(s_options), TensorElementType.Double);
    private readonly SpeEncoder _float = new(SpeParameters.Initialize(s_options), TensorElementType.Float);

    public void Dispose()
    {
        _double.Dispose();
        _float.Dispose();
    }

    public static TheoryData<string> DegenerateGraphs() => ["K6", "C6", "Petersen", "Q3", "Grid3x3", "C6+K4"];

    private static GraphStructure Named(string name) => name switch
    {
        "K6" => RandomGraphs.Complete(6),
        "C6" => RandomGraphs.Cycle(6),
        "Petersen" => RandomGraphs.Petersen(),
        "Q3" => RandomGraphs.Hypercube(3),
        "Grid3x3" => RandomGraphs.Grid(3, 3),
        "C6+K4" => RandomGraphs.Cycle(6).DisjointUnion(RandomGraphs.Complete(4)),
        _ => throw new ArgumentException(name),
    };

    private static Spectrum Full(GraphStructure g, EigensolverKind solver = EigensolverKind.Dense) =>
        LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount, Solver: solver));

    private static double[] Encode(SpeEncoder enc, GraphStructure g, Spectrum s, int k) => enc.Encode([g], [s], k)[0];

    private static double MaxAbs(double[] a) => Math.Max(1e-2, a.Max(Math.Abs));

    private static double MaxDiff(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void SpectralTensor_IsMatrixFunctionOfLaplacian()
    {
        // W_ℓ = V diag(φ_ℓ(λ)) Vᵀ with φ_ℓ evaluated here independently of the ONNX graph.
        GraphStructure g = RandomGraphs.ErdosRenyi(9, 0.4, new Random(1));
        Spectrum s = Full(g);
        int n = g.NodeCount;
        SpeBatch batch = SpeBatch.Create([g], [s], n, SpeColumnScope.AllColumns);
        _double.Run(batch, out double[] w);
        SpeParameters p = _double.Parameters;
        int m = s_options.EigenvalueFunctions;
        for (int l = 0; l < m; l++)
        {
            double[] phi = s.Values.Select(lambda => ManagedPhi(p, l, lambda)).ToArray();
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double expected = 0;
                    for (int c = 0; c < n; c++)
                    {
                        expected += s.Vectors[(i * n) + c] * phi[c] * s.Vectors[(j * n) + c];
                    }

                    Assert.True(Math.Abs(expected - w[(((l * n) + i) * n) + j]) < 1e-6, $"W[{l},{i},{j}]");
                }
            }
        }
    }

    private static double ManagedPhi(SpeParameters p, int l, double lambda)
    {
        double[] x = [lambda];
        SpeOptions o = p.Options;
        for (int layer = 0; layer < o.PhiLayers; layer++)
        {
            ParameterTensor w = p[$"spe.phi.{layer}.w"];
            ParameterTensor b = p[$"spe.phi.{layer}.b"];
            int fin = (int)w.Shape[1];
            int fout = (int)w.Shape[2];
            var y = new double[fout];
            for (int o2 = 0; o2 < fout; o2++)
            {
                double acc = b.Data[(l * fout) + o2];
                for (int i = 0; i < fin; i++)
                {
                    acc += x[i] * w.Data[(((l * fin) + i) * fout) + o2];
                }

                y[o2] = layer < o.PhiLayers - 1 ? Math.Max(0, acc) : acc;
            }

            x = y;
        }

        return x[0];
    }

    [Fact]
    public void PermutationEquivariance_RandomGraphs()
    {
        var rng = new Random(17);
        for (int trial = 0; trial < 6; trial++)
        {
            GraphStructure g = RandomGraphs.ErdosRenyi(8 + (2 * trial), 0.3, rng);
            int[] perm = RandomGraphs.Permutation(g.NodeCount, rng);
            GraphStructure pg = g.Permute(perm);
            int k = 6;
            double[] a = Encode(_float, g, LaplacianSpectrum.Compute(g, new SpectrumOptions(K: k, Truncation: SpectrumTruncation.Eigengap)), k);
            double[] b = Encode(_float, pg, LaplacianSpectrum.Compute(pg, new SpectrumOptions(K: k, Truncation: SpectrumTruncation.Eigengap)), k);
            int p = s_options.OutputSize;
            double scale = MaxAbs(a);
            for (int i = 0; i < g.NodeCount; i++)
            {
                for (int c = 0; c < p; c++)
                {
                    Assert.True(Math.Abs(a[(i * p) + c] - b[(perm[i] * p) + c]) <= FloatRelTol * scale, $"trial {trial} node {i}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(DegenerateGraphs))]
    public void SignAndBasisInvariance_SpeUnchanged_LapPeChanges(string name)
    {
        GraphStructure g = Named(name);
        int n = g.NodeCount;
        Spectrum s = Full(g);
        var rng = new Random(name.Length * 31);
        (Spectrum rotated, int largest) = EigenbasisTransforms.RandomRotation(EigenbasisTransforms.RandomSignFlips(s, rng), rng);
        Assert.True(largest >= 2, $"{name} should have a repeated eigenvalue");

        double[] before = Encode(_double, g, s, n);
        double[] after = Encode(_double, g, rotated, n);
        Assert.True(MaxDiff(before, after) < DoubleTol, $"{name}: SPE moved by {MaxDiff(before, after)} under a basis change");

        double[] f0 = Encode(_float, g, s, n);
        double[] f1 = Encode(_float, g, rotated, n);
        Assert.True(MaxDiff(f0, f1) <= FloatRelTol * MaxAbs(f0), $"{name}: float32 SPE moved by {MaxDiff(f0, f1)}");

        // Control: canonical-sign LapPE is not basis invariant.
        var lap0 = new float[n * n];
        var lap1 = new float[n * n];
        LaplacianEigenvectorEncoding.Compute(s, n, lap0);
        LaplacianEigenvectorEncoding.Compute(rotated, n, lap1);
        double lapDiff = lap0.Zip(lap1, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(lapDiff > 0.05, $"{name}: LapPE changed by only {lapDiff}");
    }

    [Fact]
    public void BatchComposition_SameAloneAndPaddedAmongLargerGraphs()
    {
        var rng = new Random(23);
        GraphStructure small = RandomGraphs.Cycle(5);
        var graphs = new List<GraphStructure> { RandomGraphs.ErdosRenyi(14, 0.3, rng), small, RandomGraphs.Petersen(), RandomGraphs.ErdosRenyi(20, 0.2, rng) };
        const int k = 8;
        var o = new SpectrumOptions(K: k);
        Spectrum[] spectra = LaplacianSpectrum.ComputeMany(graphs, o);
        double[] alone = _float.Run(SpeBatch.Create([small], [spectra[1]], 5, s_options.ColumnScope), out _)[0];
        double[][] together = _float.Run(SpeBatch.Create(graphs, spectra, k, s_options.ColumnScope, minNodes: 24), out _);
        Assert.Equal(alone.Length, together[1].Length);
        Assert.True(MaxDiff(alone, together[1]) <= 1e-5 * MaxAbs(alone), $"batch changed PE by {MaxDiff(alone, together[1])}");

        double[] aloneD = _double.Run(SpeBatch.Create([small], [spectra[1]], 5, s_options.ColumnScope), out _)[0];
        double[][] togetherD = _double.Run(SpeBatch.Create(graphs, spectra, 12, s_options.ColumnScope, minNodes: 30), out _);
        Assert.True(MaxDiff(aloneD, togetherD[1]) < DoubleTol);
    }

    [Theory]
    [InlineData("Petersen")]
    [InlineData("Random")]
    public void SolverIndependence_DenseLanczosFloat32(string name)
    {
        GraphStructure g = name == "Random" ? RandomGraphs.ErdosRenyi(24, 0.15, new Random(4)) : RandomGraphs.Petersen();
        const int k = 7;
        var o = new SpectrumOptions(K: k, Truncation: SpectrumTruncation.Eigengap);
        double[] dense = Encode(_double, g, LaplacianSpectrum.Compute(g, o with { Solver = EigensolverKind.Dense }), k);
        double[] lanczos = Encode(_double, g, LaplacianSpectrum.Compute(g, o with { Solver = EigensolverKind.Lanczos }), k);
        double[] single = Encode(_double, g, LaplacianSpectrum.Compute(g, o with { Solver = EigensolverKind.DenseSingle }), k);
        Assert.True(MaxDiff(dense, lanczos) < 1e-7 * Math.Max(1, MaxAbs(dense)), $"dense vs Lanczos {MaxDiff(dense, lanczos)}");
        Assert.True(MaxDiff(dense, single) < 1e-4 * Math.Max(1, MaxAbs(dense)), $"dense vs float32 EVD {MaxDiff(dense, single)}");
    }

    [Fact]
    public void DisjointUnion_SameComponentScopeSplits_AllColumnsDoesNot()
    {
        GraphStructure a = RandomGraphs.Cycle(6);
        GraphStructure b = RandomGraphs.Petersen();
        GraphStructure u = a.DisjointUnion(b);
        foreach (SpeColumnScope scope in new[] { SpeColumnScope.SameComponent, SpeColumnScope.AllColumns })
        {
            using var enc = new SpeEncoder(SpeParameters.Initialize(s_options with { ColumnScope = scope }), TensorElementType.Double);
            double[] pa = Encode(enc, a, Full(a), 16);
            double[] pu = Encode(enc, u, Full(u), 16);
            double diff = MaxDiff(pa, pu[..pa.Length]);
            if (scope == SpeColumnScope.SameComponent)
            {
                Assert.True(diff < DoubleTol, $"same-component union changed C6's PE by {diff}");
            }
            else
            {
                Assert.True(diff > 1e-3, "with all columns the other component's zero columns add ρ's bias terms (documented)");
            }
        }
    }

    [Fact]
    public void TruncationBoundary_FixedSplitLosesInvariance_EigengapKeepsIt()
    {
        // C6 eigenvalues 0, ½, ½, 1½, 1½, 2: k = 2 cuts the ½ pair.
        GraphStructure g = RandomGraphs.Cycle(6);
        var rng = new Random(5);
        Spectrum full = Full(g);
        (Spectrum rotatedFull, _) = EigenbasisTransforms.RandomRotation(full, rng);
        Spectrum Take(Spectrum s, int d) => new(6, s.Values[..d], Enumerable.Range(0, 6).SelectMany(i => s.Vectors.Skip(i * 6).Take(d)).ToArray(), s.Values[d], s.Solver);

        double[] cut0 = Encode(_double, g, Take(full, 2), 2);
        double[] cut1 = Encode(_double, g, Take(rotatedFull, 2), 2);
        Assert.True(MaxDiff(cut0, cut1) > 1e-4, "splitting a degenerate eigenspace should break basis invariance");

        Spectrum gap = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: 2, Truncation: SpectrumTruncation.Eigengap));
        Assert.Equal(1, gap.Count);
        Assert.Equal(0.5, gap.Gap, 9);
    }
}
