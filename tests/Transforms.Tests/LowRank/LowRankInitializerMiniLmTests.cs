using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;
using Xunit;
using Pipelines.Onnx.Adapters;

namespace Pipelines.Transforms.Tests.LowRank;

public class LowRankInitializerMiniLmTests : IClassFixture<MiniLmHarness>
{
    private const double OutputTolerance = 1e-4;
    private readonly MiniLmHarness _h;

    public LowRankInitializerMiniLmTests(MiniLmHarness harness) => _h = harness;

    [Theory]
    [InlineData(LowRankMethod.PissaFast)]
    [InlineData(LowRankMethod.OLora)]
    public void Initialize_AllLinear_Rank16_PreservesOutputs(LowRankMethod method)
    {
        AdaptedModel adapted = LowRankInitializer.Initialize(_h.Model, new LowRankOptions { Method = method, Rank = 16, Seed = 7 });
        Assert.Equal(36, adapted.Report.Layers.Count);
        double deviation = _h.MaxDeviation(adapted.Model);
        Assert.True(deviation < OutputTolerance, $"{method}: max output deviation {deviation}");
        foreach (LayerReport l in adapted.Report.Layers)
        {
            Assert.InRange(l.RelError, 0.05, 0.9999);
            // W_res ⟂ s·A·B for projections: captured + rel² = 1.
            Assert.True(Math.Abs(l.CapturedEnergy + (l.RelError * l.RelError) - 1) < 1e-3, $"{l.Module}: {l.CapturedEnergy} + {l.RelError}²");
        }

        Assert.Equal(36 * 2, System.Text.Json.JsonSerializer.Deserialize<string[]>(adapted.Model.Metadata.First(kv => kv.Key == AdapterGraphEntry.TrainableKey).Value)!.Length);
    }

    [Fact]
    public void Initialize_ExactPissa_RelErrorIsTheOptimalRankRError_AndPreservesOutputs()
    {
        var options = new LowRankOptions { Method = LowRankMethod.Pissa, Rank = 16, Targets = new TargetSelector { Layers = [0, 5] } };
        AdaptedModel adapted = LowRankInitializer.Initialize(_h.Model, options);
        Assert.Equal(12, adapted.Report.Layers.Count);
        foreach (LayerReport l in adapted.Report.Layers)
        {
            Assert.True(Math.Abs(l.RelError / l.OptimalRelError - 1) < 1e-4, $"{l.Module}: {l.RelError} vs optimal {l.OptimalRelError}");
        }

        Assert.True(_h.MaxDeviation(adapted.Model) < OutputTolerance);
    }

    [Fact]
    public void Initialize_PissaFast_ExcessErrorIsSmall_WithOversampling()
    {
        var options = new LowRankOptions
        {
            Method = LowRankMethod.PissaFast,
            Rank = 16,
            Oversampling = 8,
            PowerIterations = 4,
            ReportOptimalError = true,
            Targets = new TargetSelector { Layers = [2] },
        };
        AdaptedModel adapted = LowRankInitializer.Initialize(_h.Model, options);
        foreach (LayerReport l in adapted.Report.Layers)
        {
            Assert.InRange(l.ExcessError, -1e-4, 0.05);
            Assert.True(l.ErrorBound > 0);
        }
    }

    [Fact]
    public void Initialize_PissaFast_BlockKrylov_PreservesOutputs_AndIsBelowSubspaceIterationAtTheSameProducts()
    {
        var subspace = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 16, Oversampling = 0, PowerIterations = 3, Seed = 5, Targets = new TargetSelector { Layers = [1, 4] } };
        AdaptedModel s = LowRankInitializer.Initialize(_h.Model, subspace);
        AdaptedModel k = LowRankInitializer.Initialize(_h.Model, subspace with { RangeFinder = Pipelines.Numerics.LinearAlgebra.RangeFinder.BlockKrylov });
        Assert.True(_h.MaxDeviation(k.Model) < OutputTolerance);
        Assert.Null(s.Adapters.Config.Pipelines.RangeFinder); // the default is not written, so older configs read the same
        Assert.Equal("BlockKrylov", AdapterConfig.FromJson(k.Adapters.Config.ToJson()).Pipelines.RangeFinder);
        for (int i = 0; i < k.Report.Layers.Count; i++)
        {
            LayerReport lk = k.Report.Layers[i];
            Assert.Equal(s.Report.Layers[i].Module, lk.Module);
            Assert.True(lk.RelError <= s.Report.Layers[i].RelError + 1e-6, $"{lk.Module}: Krylov {lk.RelError} > subspace {s.Report.Layers[i].RelError}");
            Assert.True(Math.Abs(lk.CapturedEnergy + (lk.RelError * lk.RelError) - 1) < 1e-3, $"{lk.Module}: {lk.CapturedEnergy} + {lk.RelError}²");
        }
    }

    [Fact]
    public void Initialize_MiLora_TakesMinorComponents_AndPreservesOutputs()
    {
        var options = new LowRankOptions { Method = LowRankMethod.MiLora, Rank = 16, Targets = new TargetSelector { Layers = [1] } };
        AdaptedModel adapted = LowRankInitializer.Initialize(_h.Model, options);
        foreach (LayerReport l in adapted.Report.Layers)
        {
            Assert.True(l.CapturedEnergy < 0.01, $"{l.Module}: minor components hold {l.CapturedEnergy} of the energy");
        }

        Assert.True(_h.MaxDeviation(adapted.Model) < OutputTolerance);
    }

    [Theory]
    [InlineData(LowRankMethod.Lora)]
    [InlineData(LowRankMethod.PissaFast)]
    public void Initialize_BaseUntouched_KeepsWeights_AndOutputsExactly(LowRankMethod method)
    {
        var options = new LowRankOptions { Method = method, Rank = 8, BaseUntouched = true, Targets = TargetSelector.ForRoles(WeightRole.Query, WeightRole.Value) };
        AdaptedModel adapted = LowRankInitializer.Initialize(_h.Model, options);
        Assert.Equal(12, adapted.Report.Layers.Count);
        foreach (LayerReport l in adapted.Report.Layers)
        {
            Assert.Equal(_h.Model.Graph.FindInitializer(l.Initializer)!.RawData, adapted.Model.Graph.FindInitializer(l.Initializer)!.RawData);
        }

        Assert.True(_h.MaxDeviation(adapted.Model) < 1e-6);
    }

    [Fact]
    public void Initialize_SameSeed_IdenticalFactors()
    {
        var options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 4, Seed = 3, Targets = new TargetSelector { Layers = [3] } };
        AdaptedModel x = LowRankInitializer.Initialize(_h.Model, options);
        AdaptedModel y = LowRankInitializer.Initialize(_h.Model, options);
        for (int i = 0; i < x.Adapters.Adapters.Count; i++)
        {
            Assert.Equal(x.Adapters.Adapters[i].A.Data, y.Adapters.Adapters[i].A.Data);
            Assert.Equal(x.Adapters.Adapters[i].B.Data, y.Adapters.Adapters[i].B.Data);
        }
    }

    [Fact]
    public void Resolve_SelectorsAndOverrides()
    {
        Assert.Equal(12, LowRankTargets.Resolve(_h.Model, new LowRankOptions { Targets = TargetSelector.ForRoles(WeightRole.Query, WeightRole.Value) }).Count);
        Assert.Equal(6, LowRankTargets.Resolve(_h.Model, new LowRankOptions { Targets = new TargetSelector { Layers = [4] } }).Count);
        IReadOnlyList<LowRankTarget> regex = LowRankTargets.Resolve(_h.Model, new LowRankOptions { Targets = new TargetSelector { NamePattern = @"self\.query$" } });
        Assert.Equal(6, regex.Count);
        Assert.All(regex, t => Assert.Equal(WeightRole.Query, t.Weight.Role));
        IReadOnlyList<LowRankTarget> over = LowRankTargets.Resolve(_h.Model, new LowRankOptions
        {
            Rank = 16,
            Overrides = [new TargetOverride(@"intermediate", Rank: 8, Alpha: 4)],
        });
        Assert.Equal(6, over.Count(t => t.Rank == 8 && t.Alpha == 4));
        Assert.Equal(30, over.Count(t => t.Rank == 16 && t.Alpha == 16));
        Assert.Contains(over, t => t.Module == "encoder.layer.0.attention.self.query");
    }

    [Fact]
    public void Resolve_RankAboveDimensions_NamesTheWeight()
    {
        var e = Assert.Throws<ArgumentException>(() => LowRankTargets.Resolve(_h.Model, new LowRankOptions { Rank = 500 }));
        Assert.Contains("encoder.layer.0", e.Message);
    }
}
