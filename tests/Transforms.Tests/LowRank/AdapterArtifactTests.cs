using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

public class AdapterArtifactTests
{
    private static AdaptedModel Pissa(int rank = 2, float? alpha = null, bool baseUntouched = false) =>
        LowRankInitializer.Initialize(TinyModel.Create(), new LowRankOptions
        {
            Method = LowRankMethod.Pissa,
            Rank = rank,
            Alpha = alpha,
            BaseUntouched = baseUntouched,
        });

    // "Training": perturb every factor.
    private static AdapterSet Trained(AdapterSet set, ulong seed = 5)
    {
        var rng = new GaussianSampler(seed);
        var trained = set.Adapters.Select(f =>
        {
            AdapterFactors g = LowRankInitializer.Copy(f);
            for (int i = 0; i < g.A.Data.Length; i++)
            {
                g.A.Data[i] += 0.1f * rng.NextGaussian();
            }

            for (int i = 0; i < g.B.Data.Length; i++)
            {
                g.B.Data[i] += 0.1f * rng.NextGaussian();
            }

            return g;
        }).ToList();
        return set.WithAdapters(trained);
    }

    [Fact]
    public void Initialize_TinyModel_TargetsMatMulAndTransposedGemm_PreservesOutput()
    {
        OnnxModel model = TinyModel.Create();
        AdaptedModel adapted = Pissa();
        Assert.Equal(["node.fc1", "node.fc2"], adapted.Report.Layers.Select(l => l.Module));
        float[] x = TinyModel.Input(7);
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), TinyModel.Run(adapted.Model, x)) < 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MergeThenUnmerge_IsTheIdentity(bool baseUntouched)
    {
        AdaptedModel adapted = Pissa(baseUntouched: baseUntouched);
        OnnxModel merged = AdapterMerger.Merge(adapted.Model).Model;
        Assert.DoesNotContain(merged.Graph.Initializers, t => t.Name.Contains("lora", StringComparison.Ordinal));
        Assert.Equal(TinyModel.Create().Graph.Nodes.Count, merged.Graph.Nodes.Count);
        OnnxModel back = AdapterMerging.Unmerge(merged, adapted.Adapters);
        Assert.Equal(adapted.Model.Graph.Nodes.Select(n => n.Name), back.Graph.Nodes.Select(n => n.Name));
        foreach (OnnxTensor t in adapted.Model.Graph.Initializers)
        {
            float[] want = t.ToArray<float>();
            float[] got = back.Graph.FindInitializer(t.Name)!.ToArray<float>();
            Assert.True(TinyModel.MaxAbsDiff(want, got) < 1e-5, t.Name);
        }

        float[] x = TinyModel.Input(4);
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(adapted.Model, x), TinyModel.Run(merged, x)) < 1e-5);
    }

    [Fact]
    public void Merge_UsesTheRecordedAdapters_AndRefusesAMissingRecordedNode()
    {
        AdaptedModel adapted = Pissa();
        (OnnxModel merged, IReadOnlyList<MergedAdapter> folded) = AdapterMerger.Merge(adapted.Model);
        // Exactly the recorded adapters, folded in place into their base weights (no "_merged" copies: that is the
        // pattern fallback for models made elsewhere), and the metadata is gone with them.
        Assert.Equal(AdapterGraphEntry.Read(adapted.Model).Select(e => e.Node), folded.Select(f => f.BaseNode));
        Assert.DoesNotContain(merged.Graph.Initializers, t => t.Name.EndsWith("_merged", StringComparison.Ordinal));
        Assert.Empty(AdapterGraphEntry.Read(merged));

        OnnxModel broken = adapted.Model.Clone();
        string node = AdapterGraphEntry.Read(broken)[0].Node;
        broken.Graph.Nodes.First(n => n.Name == node).Name = "renamed";
        OnnxGraphException e = Assert.Throws<OnnxGraphException>(() => AdapterMerger.Merge(broken));
        Assert.Contains(node, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvertExact_ReproducesTheTrainedDelta_OnTheOriginalBase()
    {
        OnnxModel original = TinyModel.Create();
        AdaptedModel adapted = Pissa(alpha: 4);
        AdapterSet trained = Trained(adapted.Adapters);
        ConvertedAdapters lora = AdapterConversion.ToLoraExact(trained);
        Assert.Equal(4, lora.Adapters.Config.R);
        Assert.Equal(8, lora.Adapters.Config.LoraAlpha);
        for (int i = 0; i < trained.Adapters.Count; i++)
        {
            AdapterFactors t = trained.Adapters[i];
            AdapterFactors c = lora.Adapters.Adapters[i];
            Assert.Equal(t.Scale, c.Scale);

            // Trained PiSSA model weight: W_res + s·A′B′; converted LoRA on the original: W + s·A_c·B_c.
            Matrix w = LowRankInitializer.ReadWeight(original, t.Target);
            Matrix wRes = LowRankInitializer.ReadWeight(adapted.Model, t.Target);
            Matrix pissa = Add(wRes, t.Delta());
            Matrix converted = Add(w, c.Delta());
            Assert.True(MatrixOps.DistanceFrobenius(pissa.Data, converted.Data) < 1e-5 * pissa.FrobeniusNorm());
        }
    }

    [Fact]
    public void ConvertRecompressed_ReportsTheErrorItIntroduces()
    {
        AdaptedModel adapted = LowRankInitializer.Initialize(TinyModel.Create(), new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 2, Targets = new TargetSelector { NamePattern = "fc1" } });
        AdapterSet trained = Trained(adapted.Adapters, 11);
        ConvertedAdapters exact = AdapterConversion.ToLoraExact(trained);
        ConvertedAdapters small = AdapterConversion.ToLoraRecompressed(trained);
        AdapterFactors full = exact.Adapters.Adapters[0];
        AdapterFactors r = small.Adapters.Adapters[0];
        Assert.Equal(2, r.Rank);
        Assert.Equal(full.Scale, r.Scale, 6);
        Matrix delta = full.Delta();
        Matrix approx = r.Delta();
        double actual = MatrixOps.DistanceFrobenius(delta.Data, approx.Data) / delta.FrobeniusNorm();
        Assert.True(actual > 1e-3, "a rank-r truncation of a generic rank-2r ΔW loses something");
        Assert.True(Math.Abs(actual - small.RelativeErrors[0]) < 1e-4, $"reported {small.RelativeErrors[0]}, actual {actual}");

        // Keeping all 2r components is exact.
        ConvertedAdapters lossless = AdapterConversion.ToLoraRecompressed(trained, rank: 4);
        Assert.True(MatrixOps.DistanceFrobenius(delta.Data, lossless.Adapters.Adapters[0].Delta().Data) < 1e-5 * delta.FrobeniusNorm());
        Assert.True(lossless.RelativeErrors[0] < 1e-5);
    }

    [Fact]
    public void SaveLoad_RoundTrips_WithPeftKeysAndConfig()
    {
        AdaptedModel adapted = Pissa(alpha: 3);
        string dir = Path.Combine(Path.GetTempPath(), "pipelines-lowrank-" + Guid.NewGuid().ToString("N"));
        try
        {
            adapted.Adapters.Save(dir);
            var (tensors, meta) = SafeTensorsFile.Read(Path.Combine(dir, AdapterSet.WeightsFile));
            Matrix a = tensors["base_model.model.node.fc1.lora_A.weight"];
            Assert.Equal((2, 8), (a.Rows, a.Cols));
            Assert.Equal(adapted.Adapters.Config.Pipelines.BaseModelSha256, meta["base_model_sha256"]);
            string json = File.ReadAllText(Path.Combine(dir, AdapterSet.ConfigFile));
            Assert.Contains("\"init_lora_weights\": \"pissa\"", json);
            Assert.Contains("\"lora_alpha\": 3", json);

            AdapterSet loaded = AdapterSet.Load(dir, adapted.Model);
            Assert.Equal(adapted.Adapters.Config.TargetModules, loaded.Config.TargetModules);
            for (int i = 0; i < loaded.Adapters.Count; i++)
            {
                Assert.Equal(adapted.Adapters.Adapters[i].A.Data, loaded.Adapters[i].A.Data);
                Assert.Equal(adapted.Adapters.Adapters[i].B.Data, loaded.Adapters[i].B.Data);
                Assert.Equal(adapted.Adapters.Initial![i].B.Data, loaded.Initial![i].B.Data);
                Assert.Equal(3f / 2, loaded.Adapters[i].Scale);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_RefusesAdapterTensorsThatDoNotFitTheModel_AndMalformedConfig()
    {
        AdaptedModel adapted = Pissa(alpha: 3);
        string dir = Path.Combine(Path.GetTempPath(), "pipelines-lowrank-" + Guid.NewGuid().ToString("N"));
        try
        {
            adapted.Adapters.Save(dir);
            string weights = Path.Combine(dir, AdapterSet.WeightsFile);
            var (tensors, meta) = SafeTensorsFile.Read(weights);
            string key = "base_model.model.node.fc1.lora_A.weight";
            tensors[key] = new Matrix(3, 8, new float[24]);
            SafeTensorsFile.Write(weights, [.. tensors], meta);
            DataFormatException e = Assert.Throws<DataFormatException>(() => AdapterSet.Load(dir, adapted.Model));
            Assert.Equal(weights, e.FileName);
            Assert.Contains($"tensor '{key}': field 'shape' is [3,8]", e.Message, StringComparison.Ordinal);

            string config = Path.Combine(dir, AdapterSet.ConfigFile);
            File.WriteAllText(config, File.ReadAllText(config).Replace("\"target_modules\": [", "\"target_modules\": null, \"x\": [", StringComparison.Ordinal));
            e = Assert.Throws<DataFormatException>(() => AdapterSet.Load(dir, adapted.Model));
            Assert.Equal(config, e.FileName);
            Assert.Contains("target_modules", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SafeTensors_RejectsTruncatedFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
            Assert.Throws<DataFormatException>(() => SafeTensorsFile.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Matrix Add(Matrix x, Matrix y)
    {
        Matrix z = x.Clone();
        System.Numerics.Tensors.TensorPrimitives.Add(z.Data, y.Data, z.Data);
        return z;
    }
}
