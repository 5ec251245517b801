using System.Runtime.InteropServices;
using System.Text.Json;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>
/// DoRA (Liu et al. 2024; peft's <c>use_dora</c>): W' = m ⊙ V / ‖V‖_c with V = W_res + s·A·B. Output preserved at
/// initialisation for every method, the adapted graph against a hand-computed W', merge, save/load.
/// </summary>
public class DoraTests
{
    private static Matrix Random(int rows, int cols, ulong seed, float scale = 1f)
    {
        var m = new Matrix(rows, cols);
        new GaussianSampler(seed).Fill(m.Data);
        for (int i = 0; i < m.Data.Length; i++)
        {
            m.Data[i] *= scale;
        }

        return m;
    }

    private static List<TensorBatch> Calibration()
    {
        var list = new List<TensorBatch>();
        for (int b = 0; b < 3; b++)
        {
            float[] x = TinyModel.Input(24, 100 + (ulong)b);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] *= 1 + (i % TinyModel.In);
            }

            list.Add(new TensorBatch().Add("X", x, 24, TinyModel.In));
        }

        return list;
    }

    private static LowRankOptions Options(LowRankMethod method, bool baseUntouched = false) => new()
    {
        Method = method,
        Rank = 2,
        Alpha = 3,
        Seed = 5,
        BaseUntouched = baseUntouched,
        Eva = method == LowRankMethod.Eva ? new EvaOptions { Batches = Calibration(), MaxPasses = 2 } : null,
        Corda = method is LowRankMethod.CordaKpm or LowRankMethod.CordaIpm ? new CordaOptions { Batches = Calibration() } : null,
        LoftQ = method == LowRankMethod.LoftQ ? new LoftQOptions { RoundTrip = LoftQTests.Int4RoundTrip, Iterations = 2 } : null,
    };

    [Theory]
    [InlineData(LowRankMethod.Lora, false)]
    [InlineData(LowRankMethod.Pissa, false)]
    [InlineData(LowRankMethod.Pissa, true)]
    [InlineData(LowRankMethod.PissaFast, false)]
    [InlineData(LowRankMethod.MiLora, false)]
    [InlineData(LowRankMethod.OLora, false)]
    [InlineData(LowRankMethod.Orthogonal, false)]
    [InlineData(LowRankMethod.Eva, false)]
    [InlineData(LowRankMethod.CordaKpm, false)]
    [InlineData(LowRankMethod.LoftQ, false)]
    public void AtInitialisation_DoraEqualsTheSameMethodWithoutIt(LowRankMethod method, bool baseUntouched)
    {
        OnnxModel model = TinyModel.Create();
        LowRankOptions options = Options(method, baseUntouched);
        AdaptedModel plain = LowRankInitializer.Initialize(model, options);
        AdaptedModel dora = LowRankInitializer.Initialize(model, options with { Dora = true });
        Assert.All(dora.Adapters.Adapters, f => Assert.Equal(f.Target.OutFeatures, f.Magnitude!.Length));
        Assert.True(dora.Adapters.Config.UseDora);

        float[] x = TinyModel.Input(7);
        float[] without = TinyModel.Run(plain.Model, x);
        float[] with = TinyModel.Run(dora.Model, x);
        Assert.True(TinyModel.MaxAbsDiff(without, with) < 1e-5, $"{method}: DoRA at init deviates by {TinyModel.MaxAbsDiff(without, with)} from the plain adapter");
        if (method != LowRankMethod.LoftQ)
        {
            // the output-preserving methods preserve it with DoRA too (LoftQ replaces W by Q + s·A·B ≈ W by design)
            Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), with) < 1e-5);
        }
    }

    // W' = (W + s·A·B)·diag(m / ‖W + s·A·B‖_c) in double, written into a copy of the model.
    private static OnnxModel Reference(OnnxModel model, IReadOnlyList<AdapterFactors> factors)
    {
        OnnxModel copy = model.Clone();
        foreach (AdapterFactors f in factors)
        {
            Matrix w = LowRankInitializer.ReadWeight(copy, f.Target);
            var v = new double[w.Rows, w.Cols];
            var norm = new double[w.Cols];
            for (int i = 0; i < w.Rows; i++)
            {
                for (int j = 0; j < w.Cols; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < f.Rank; k++)
                    {
                        sum += (double)f.A[i, k] * f.B[k, j];
                    }

                    v[i, j] = w[i, j] + (f.Scale * sum);
                    norm[j] += v[i, j] * v[i, j];
                }
            }

            for (int i = 0; i < w.Rows; i++)
            {
                for (int j = 0; j < w.Cols; j++)
                {
                    w[i, j] = (float)(v[i, j] * f.Magnitude![j] / Math.Sqrt(norm[j]));
                }
            }

            float[] stored = f.Target.Weight.Transposed ? w.Transpose().Data : w.Data;
            copy.Graph.FindInitializer(f.Target.Weight.Initializer)!.ReplaceData(MemoryMarshal.AsBytes(stored.AsSpan()).ToArray());
        }

        return copy;
    }

    // Random A, B, m on both targets (MatMul fc1, and Gemm fc2 with transB = 1 and a bias).
    private static List<AdapterFactors> RandomFactors(OnnxModel model, LowRankOptions options) =>
        LowRankTargets.Resolve(model, options).Select((t, i) => new AdapterFactors(
            t, Random(t.InFeatures, t.Rank, 10 + (ulong)i, 0.5f), Random(t.Rank, t.OutFeatures, 20 + (ulong)i, 0.5f), LowRankMethod.Lora)
        {
            Magnitude = [.. Enumerable.Range(0, t.OutFeatures).Select(j => 0.5f + (0.25f * j))],
        }).ToList();

    [Theory]
    [InlineData(18)]
    [InlineData(17)]
    public void AdaptedGraph_ComputesTheDecomposedWeight_AndMergesIntoIt(long opset)
    {
        OnnxModel model = TinyModel.Create();
        model.OpsetImports.RemoveAll(o => o.Domain == OnnxModel.StandardDomain);
        model.OpsetImports.Add(new OpsetImport(OnnxModel.StandardDomain, opset));   // ReduceL2's axes: input from 18, attribute before
        var options = new LowRankOptions { Method = LowRankMethod.Lora, Rank = 3, Alpha = 2, Dora = true };
        List<AdapterFactors> factors = RandomFactors(model, options);
        OnnxModel adapted = model.Clone();
        AdaptedGraphWriter.Apply(adapted, factors, new Dictionary<string, Matrix>(), new Dictionary<string, AdapterFactors>());

        float[] x = TinyModel.Input(6);
        float[] want = TinyModel.Run(Reference(model, factors), x);
        float[] got = TinyModel.Run(adapted, x);
        Assert.True(TinyModel.MaxAbsDiff(want, got) < 1e-5, $"adapted vs hand-computed W': {TinyModel.MaxAbsDiff(want, got)}");
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), got) > 1e-2);   // the magnitudes do change the output

        (OnnxModel merged, IReadOnlyList<MergedAdapter> folded) = AdapterMerger.Merge(adapted);
        Assert.Equal(2, folded.Count);
        Assert.True(TinyModel.MaxAbsDiff(got, TinyModel.Run(merged, x)) < 1e-5, $"merged vs adapted: {TinyModel.MaxAbsDiff(got, TinyModel.Run(merged, x))}");
        Assert.Equal(model.Graph.Nodes.Count, merged.Graph.Nodes.Count);
        Assert.Equal(model.Graph.Initializers.Select(t => t.Name).Order(), merged.Graph.Initializers.Select(t => t.Name).Order());
        Assert.DoesNotContain(merged.Metadata, kv => kv.Key == GradientBuilder.StopGradientKey);

        // trainables: A, B and m of each adapter; the two column norms are gradient stops
        List<string> trainables = JsonSerializer.Deserialize<List<string>>(adapted.Metadata.First(kv => kv.Key == AdapterGraphEntry.TrainableKey).Value)!;
        Assert.Equal(6, trainables.Count);
        Assert.Contains(trainables, n => n.EndsWith(".lora_magnitude", StringComparison.Ordinal));
        Assert.Equal(2, JsonSerializer.Deserialize<List<string>>(adapted.Metadata.First(kv => kv.Key == GradientBuilder.StopGradientKey).Value)!.Count);
    }

    [Fact]
    public void PissaWithDora_TrainedFactors_MergeAndSaveLoadRoundTrip()
    {
        OnnxModel model = TinyModel.Create();
        AdaptedModel adapted = LowRankInitializer.Initialize(model, Options(LowRankMethod.Pissa) with { Dora = true });

        // "train": move A, B and m, in the set and in the graph alike
        List<AdapterFactors> trained = adapted.Adapters.Adapters.Select((f, i) => f with
        {
            A = Random(f.A.Rows, f.A.Cols, 40 + (ulong)i, 0.3f),
            B = Random(f.B.Rows, f.B.Cols, 50 + (ulong)i, 0.3f),
            Magnitude = [.. f.Magnitude!.Select((v, j) => v * (1 + (0.1f * j)))],
        }).ToList();
        AdapterSet set = adapted.Adapters.WithAdapters(trained);
        OnnxModel graph = adapted.Model.Clone();
        foreach (AdapterGraphEntry e in AdapterGraphEntry.Read(graph))
        {
            AdapterFactors f = trained.Single(t => t.Target.Module == e.Module);
            graph.Graph.FindInitializer(e.LoraA)!.ReplaceData(MemoryMarshal.AsBytes(f.A.Data.AsSpan()).ToArray());
            graph.Graph.FindInitializer(e.LoraB)!.ReplaceData(MemoryMarshal.AsBytes(f.B.Data.AsSpan()).ToArray());
            graph.Graph.FindInitializer(e.Magnitude!)!.ReplaceData(MemoryMarshal.AsBytes(f.Magnitude.AsSpan()).ToArray());
        }

        float[] x = TinyModel.Input(5);
        float[] got = TinyModel.Run(graph, x);
        double mergeError = TinyModel.MaxAbsDiff(got, TinyModel.Run(AdapterMerger.Merge(graph).Model, x));
        // 1e-5 relative to the output scale (outputs here reach ~50, where one float32 ulp is 4e-6)
        Assert.True(mergeError < 1e-5 * Math.Max(1, got.Max(Math.Abs)), $"merged vs adapted: {mergeError} (outputs up to {got.Max(Math.Abs)})");

        string dir = Path.Combine(Path.GetTempPath(), "dora-" + Guid.NewGuid().ToString("N"));
        try
        {
            set.Save(dir);
            string config = File.ReadAllText(Path.Combine(dir, AdapterSet.ConfigFile));
            Assert.Contains("\"use_dora\": true", config, StringComparison.Ordinal);

            // peft's key and a 1-D [out] shape
            string header = ReadHeader(Path.Combine(dir, AdapterSet.WeightsFile));
            AdapterFactors first = trained[0];
            Assert.Contains($"\"{AdapterSet.MagnitudeKey(first.Target.Module)}\":{{\"dtype\":\"F32\",\"shape\":[{first.Target.OutFeatures}]", header, StringComparison.Ordinal);

            AdapterSet back = AdapterSet.Load(dir, model);
            Assert.True(back.Config.UseDora);
            for (int i = 0; i < trained.Count; i++)
            {
                Assert.Equal(trained[i].Magnitude, back.Adapters[i].Magnitude);
                Assert.Equal(trained[i].A.Data, back.Adapters[i].A.Data);
                Assert.Equal(adapted.Adapters.Adapters[i].Magnitude, back.Initial![i].Magnitude);
            }

            // W' = V·diag(m / ‖V‖_c) fixes V only up to a factor per column: unmerging is refused
            Assert.Throws<NotSupportedException>(() => AdapterMerging.Unmerge(AdapterMerger.Merge(graph).Model, back));

            // a DoRA config without the magnitudes is refused naming the tensor
            File.Delete(Path.Combine(dir, AdapterSet.InitialWeightsFile));
            SafeTensorsFile.Write(Path.Combine(dir, AdapterSet.WeightsFile), [.. SafeTensorsFile.Read(Path.Combine(dir, AdapterSet.WeightsFile)).Tensors.Where(kv => !kv.Key.EndsWith("lora_magnitude_vector", StringComparison.Ordinal))]);
            DataFormatException e = Assert.Throws<DataFormatException>(() => AdapterSet.Load(dir, model));
            Assert.Contains("lora_magnitude_vector", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PissaToLoraConversion_KeepsTheMagnitude_AndTheDoraOutput()
    {
        OnnxModel model = TinyModel.Create();
        AdaptedModel adapted = LowRankInitializer.Initialize(model, Options(LowRankMethod.Pissa) with { Dora = true });
        List<AdapterFactors> trained = adapted.Adapters.Adapters.Select((f, i) => f with
        {
            A = Random(f.A.Rows, f.A.Cols, 60 + (ulong)i, 0.3f),
            Magnitude = [.. f.Magnitude!.Select(v => v * 1.2f)],
        }).ToList();
        ConvertedAdapters converted = AdapterConversion.ToLoraExact(adapted.Adapters.WithAdapters(trained));
        Assert.True(converted.Adapters.Config.UseDora);

        // the trained DoRA on W_res and the converted DoRA on W give the same W'
        OnnxModel residual = model.Clone();
        var residuals = new Dictionary<string, Matrix>();
        foreach (AdapterFactors f0 in adapted.Adapters.Initial!)
        {
            Matrix w = LowRankInitializer.ReadWeight(model, f0.Target);
            Gemm.Multiply(f0.A.Data, false, f0.B.Data, false, w.Data, w.Rows, w.Cols, f0.Rank, alpha: -f0.Scale, beta: 1f);
            residuals[f0.Target.Module] = w;
        }

        AdaptedGraphWriter.Apply(residual, trained, residuals, new Dictionary<string, AdapterFactors>());
        OnnxModel onW = model.Clone();
        AdaptedGraphWriter.Apply(onW, converted.Adapters.Adapters, new Dictionary<string, Matrix>(), new Dictionary<string, AdapterFactors>());
        float[] x = TinyModel.Input(4);
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(residual, x), TinyModel.Run(onW, x)) < 1e-4);
    }

    private static string ReadHeader(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int n = (int)BitConverter.ToUInt64(bytes, 0);
        return System.Text.Encoding.UTF8.GetString(bytes, 8, n);
    }
}
