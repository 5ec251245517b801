using Microsoft.ML.OnnxRuntime;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

/// <summary>
/// SPE with the reference's BatchNorm (<see cref="SpeNormalization.BatchNorm"/>): in inference the running statistics make
/// φ a fixed elementwise function (W_ℓ is still the matrix function of L) and the encoding stays permutation-equivariant;
/// in training the batch statistics skip padding, so the amount of padding does not change a batch's encodings.
/// </summary>
public sealed class SpeBatchNormTests
{
    private static readonly SpeOptions s_options = new(EigenvalueFunctions: 3, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 5, Seed: 4, Normalization: SpeNormalization.BatchNorm);

    // running statistics and γ/β away from their identity initial values, so the tests see them
    private static SpeParameters Trained()
    {
        SpeParameters p = SpeParameters.Initialize(s_options);
        var rng = new Random(8);
        foreach (ParameterTensor t in p.Tensors.Where(t => BatchNormNames.IsNormalizationTensor(t.Name)))
        {
            bool variance = t.Name.EndsWith(".running_var", StringComparison.Ordinal) || t.Name.EndsWith(".gamma", StringComparison.Ordinal);
            p.Set(t.Name, [.. t.Data.Select(_ => (float)(variance ? 0.5 + rng.NextDouble() : rng.NextDouble() - 0.5))]);
        }

        return p;
    }

    [Fact]
    public void Parameters_HaveOneBatchNormPerHiddenLayer()
    {
        SpeParameters p = SpeParameters.Initialize(s_options);
        string[] names = [.. p.Tensors.Select(t => t.Name).Where(BatchNormNames.IsRunningStatistic)];

        // φ: 2 hidden layers of 3; ρ: bn0 in both layers, bn1 between layers only → (2 + 3) × {mean, var}
        Assert.Equal(10, names.Length);
        Assert.Equal([1L, 3, 1, 16], p["spe.phi.0.bn.running_mean"].Shape);
        Assert.Equal([1L, 1, 1, 8], p["spe.rho.1.bn0.running_var"].Shape);
        Assert.DoesNotContain("spe.rho.1.bn1.running_var", names);
    }

    [Fact]
    public void Inference_SpectralTensorIsMatrixFunction_WithRunningStatistics()
    {
        SpeParameters p = Trained();
        using var enc = new SpeEncoder(p, TensorElementType.Double);
        GraphStructure g = RandomGraphs.ErdosRenyi(8, 0.4, new Random(2));
        Spectrum s = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount));
        int n = g.NodeCount;
        using SpeBatch batch = SpeBatch.Create([g], [s], n, SpeColumnScope.AllColumns);
        enc.Run(batch, out double[] w);
        for (int l = 0; l < s_options.EigenvalueFunctions; l++)
        {
            double[] phi = [.. s.Values.Select(lambda => ManagedPhi(p, l, lambda))];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double expected = 0;
                    for (int c = 0; c < n; c++)
                    {
                        expected += s.Vectors[(i * n) + c] * phi[c] * s.Vectors[(j * n) + c];
                    }

                    Assert.True(Math.Abs(expected - w[(((l * n) + i) * n) + j]) < 1e-6, $"W[{l},{i},{j}]: {expected} vs {w[(((l * n) + i) * n) + j]}");
                }
            }
        }
    }

    [Fact]
    public void Inference_IsPermutationEquivariant()
    {
        using var enc = new SpeEncoder(Trained(), TensorElementType.Double);
        var rng = new Random(5);
        for (int trial = 0; trial < 4; trial++)
        {
            GraphStructure g = RandomGraphs.ErdosRenyi(7 + trial, 0.4, rng);
            int[] perm = RandomGraphs.Permutation(g.NodeCount, rng);
            GraphStructure pg = g.Permute(perm);
            int k = g.NodeCount;
            double[] a = enc.Encode([g], [LaplacianSpectrum.Compute(g, new SpectrumOptions(K: k))], k)[0];
            double[] b = enc.Encode([pg], [LaplacianSpectrum.Compute(pg, new SpectrumOptions(K: k))], k)[0];
            int p = s_options.OutputSize;
            for (int i = 0; i < g.NodeCount; i++)
            {
                for (int c = 0; c < p; c++)
                {
                    Assert.True(Math.Abs(a[(i * p) + c] - b[(perm[i] * p) + c]) <= 1e-8 * Math.Max(1, Math.Abs(a[(i * p) + c])), $"trial {trial} node {i}");
                }
            }
        }
    }

    [Fact]
    public void Training_BatchStatisticsIgnorePadding()
    {
        SpeParameters p = Trained();
        var b = new GraphBuilder("spe_train");
        SpeGraph.DeclareInputs(b, TensorElementType.Double);
        b.Output(SpeGraph.Append(b, p, TensorElementType.Double, out _, NormalizationMode.Training), SpeTensorNames.Encoding);
        using OnnxSession session = OrtSessions.Create(b.ToModel());
        var rng = new Random(3);
        GraphStructure[] graphs = [RandomGraphs.ErdosRenyi(6, 0.5, rng), RandomGraphs.ErdosRenyi(9, 0.4, rng)];
        Spectrum[] spectra = [.. graphs.Select(g => LaplacianSpectrum.Compute(g, new SpectrumOptions(K: 6)))];
        double[][] tight = Run(session, graphs, spectra, minNodes: 0);
        double[][] padded = Run(session, graphs, spectra, minNodes: 13);
        for (int g = 0; g < 2; g++)
        {
            Assert.Equal(tight[g].Length, padded[g].Length);
            for (int i = 0; i < tight[g].Length; i++)
            {
                Assert.True(Math.Abs(tight[g][i] - padded[g][i]) <= 1e-9 * Math.Max(1, Math.Abs(tight[g][i])), $"graph {g} entry {i}: {tight[g][i]} vs {padded[g][i]}");
            }
        }

        // and training differs from inference (batch vs running statistics), so the check above is not vacuous
        using var enc = new SpeEncoder(p, TensorElementType.Double);
        double[][] eval = enc.Encode(graphs, spectra, 6);
        Assert.True(eval[0].Zip(tight[0], (x, y) => Math.Abs(x - y)).Max() > 1e-3);
    }

    private static double[][] Run(OnnxSession session, GraphStructure[] graphs, Spectrum[] spectra, int minNodes)
    {
        using SpeBatch batch = SpeBatch.Create(graphs, spectra, 6, SpeColumnScope.AllColumns, minNodes: minNodes);
        using TensorBatch inputs = batch.AddTensors(new TensorBatch(), TensorElementType.Double);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(inputs);
        double[] pe = outputs[0].GetTensorDataAsSpan<double>().ToArray();
        int p = s_options.OutputSize;
        int n = batch.MaxNodes;
        return [.. Enumerable.Range(0, graphs.Length).Select(g => pe.AsSpan(g * n * p, batch.NodeCounts[g] * p).ToArray())];
    }

    // φ_ℓ(λ) with each hidden layer's BatchNorm in inference form: γ(x − μ̂)/√(σ̂² + ε) + β
    private static double ManagedPhi(SpeParameters p, int l, double lambda)
    {
        double[] x = [lambda];
        SpeOptions o = p.Options;
        for (int layer = 0; layer < o.PhiLayers; layer++)
        {
            ParameterTensor w = p[$"spe.phi.{layer}.w"];
            ParameterTensor bias = p[$"spe.phi.{layer}.b"];
            int fin = (int)w.Shape[1];
            int fout = (int)w.Shape[2];
            var y = new double[fout];
            for (int c = 0; c < fout; c++)
            {
                double acc = bias.Data[(l * fout) + c];
                for (int i = 0; i < fin; i++)
                {
                    acc += x[i] * w.Data[(((l * fin) + i) * fout) + c];
                }

                if (layer < o.PhiLayers - 1)
                {
                    string bn = $"spe.phi.{layer}.bn";
                    int at = (l * fout) + c;
                    acc = (p[bn + ".gamma"].Data[at] * (acc - p[bn + ".running_mean"].Data[at]) / Math.Sqrt(p[bn + ".running_var"].Data[at] + MaskedBatchNorm.Epsilon)) + p[bn + ".beta"].Data[at];
                    acc = Math.Max(0, acc);
                }

                y[c] = acc;
            }

            x = y;
        }

        return x[0];
    }
}
