using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>Per-layer rank allocation by the spectrum of W (EVA's redistribution as an option of the SVD initialisers).</summary>
public class RankRedistributionTests
{
    private const int D = 8;

    // X[N,8] → MatMul W1 (concentrated spectrum 10, 9, 8, 7, 0.1 ×4) → MatMul W2 (a rotation: flat spectrum) → Y[N,8].
    private static OnnxModel TwoSpectra()
    {
        float[] w1 = new float[D * D];
        float[] sigma = [10, 9, 8, 7, 0.1f, 0.1f, 0.1f, 0.1f];
        for (int i = 0; i < D; i++)
        {
            w1[(i * D) + i] = sigma[i];
        }

        var g = new Matrix(D, D);
        new GaussianSampler(5).Fill(g.Data);
        Matrix q = HouseholderQr.Factor(g).Q;   // orthogonal: every σ = 1

        var b = new GraphBuilder("two-spectra");
        string x = b.Input("X", TensorElementType.Float, "N", D);
        string p1 = b.Initializer(OnnxTensor.FromFloats("W1", w1, D, D));
        string p2 = b.Initializer(OnnxTensor.FromFloats("W2", q.Data, D, D));
        string h = b.Node("MatMul", [x, p1], name: "fc1")[0];
        string y = b.Node("MatMul", [h, p2], name: "fc2")[0];
        b.Output(y, "Y", new TensorType(TensorElementType.Float, ["N", D]));
        return b.ToModel();
    }

    private static float[] Run(OnnxModel model, float[] x)
    {
        using var s = Pipelines.Onnx.Runtime.OrtSessions.Create(model);
        using var inputs = new Pipelines.Onnx.Runtime.TensorBatch().Add("X", x, x.Length / D, D);
        return s.RunFloat(inputs)["Y"].Data;
    }

    [Fact]
    public void Allocate_KeepsTheBudgetAndTakesTheLargestRatios()
    {
        int[] ranks = RankRedistribution.Allocate([[0.5, 0.3, 0.1], [0.4, 0.05], [0.2, 0.2]], 4);
        Assert.Equal([2, 1, 1], ranks);                                   // 0.5, 0.4, 0.3, then the first 0.2 (lower target wins the tie)
        Assert.Equal(4, RankRedistribution.Allocate([[0.9], [0.8], [0.7], [0.6], [0.5]], 4).Sum());
        Assert.Equal([1, 1], RankRedistribution.Allocate([[0.9], [0.8]], 5)); // fewer candidates than the budget
    }

    [Theory]
    [InlineData(LowRankMethod.Pissa)]
    [InlineData(LowRankMethod.PissaFast)]
    [InlineData(LowRankMethod.Lora)]
    public void Redistribution_MovesRankToTheConcentratedWeight_KeepsTheBudgetAndTheOutput(LowRankMethod method)
    {
        OnnxModel model = TwoSpectra();
        var uniform = new LowRankOptions { Method = method, Rank = 2, Seed = 3 };
        var moved = uniform with { Redistribution = new RankRedistribution() };

        AdaptedModel a = LowRankInitializer.Initialize(model, moved);

        // ρ = 2: W1 offers 4 components with ξ = 100, 81, 64, 49 over 294.04, W2 offers 4 with ξ = 1/8: W1 wins all 4.
        LayerReport only = Assert.Single(a.Report.Layers);
        Assert.Equal("W1", only.Initializer);
        Assert.Equal(4, only.Rank);
        Assert.Equal(4f, only.Alpha);                                     // α = r scaled with the rank: s stays 1
        Assert.Equal(uniform.Rank * 2, a.Report.Layers.Sum(l => l.Rank));
        AdapterConfig config = a.Adapters.Config;
        Assert.Equal(4, config.RankOf(only.Module));
        Assert.Equal(2.0, config.Pipelines.RedistributionRho);
        Assert.DoesNotContain(config.TargetModules, m => m != only.Module);

        float[] x = TinyModel.Input(16, seed: 4).Take(16 * D).ToArray();
        Assert.True(TinyModel.MaxAbsDiff(Run(model, x), Run(a.Model, x)) < 1e-4);   // output preserved at initialisation

        if (method != LowRankMethod.Lora)
        {
            // PiSSA's captured energy Σ ξ is what the allocation maximises: not below the uniform split's.
            AdaptedModel u = LowRankInitializer.Initialize(model, uniform);
            Assert.True(a.Report.Layers.Sum(l => l.CapturedEnergy) >= u.Report.Layers.Sum(l => l.CapturedEnergy) - 1e-6);
            Assert.Equal(0.9998, only.CapturedEnergy, 3);                 // (100 + 81 + 64 + 49) / 294.04
        }
    }

    [Fact]
    public void Redistribution_IsDeterministicForASeed()
    {
        OnnxModel model = TwoSpectra();
        var options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 1, Seed = 11, Redistribution = new RankRedistribution { Rho = 3 } };
        AdaptedModel first = LowRankInitializer.Initialize(model, options);
        AdaptedModel second = LowRankInitializer.Initialize(model, options);
        Assert.Equal(first.Report.Layers.Select(l => (l.Module, l.Rank)), second.Report.Layers.Select(l => (l.Module, l.Rank)));
        Assert.Equal(first.Adapters.Adapters[0].A.Data, second.Adapters.Adapters[0].A.Data);
    }

    [Theory]
    [InlineData(LowRankMethod.Orthogonal, 2.0, "even ranks")]
    [InlineData(LowRankMethod.PissaFast, 0.5, "ρ")]
    [InlineData(LowRankMethod.PissaFast, double.NaN, "ρ")]
    public void InvalidRedistribution_IsRejectedWithTheReason(LowRankMethod method, double rho, string reason)
    {
        var options = new LowRankOptions { Method = method, Rank = 2, Redistribution = new RankRedistribution { Rho = rho } };
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
