using System.Security.Cryptography;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>
/// The adapted model shares the untouched initializers' data with its input (no copy of the model), and the base hash is
/// the caller's file hash when given, else the SHA-256 of the model's serialization.
/// </summary>
public class LowRankInitializerSharingTests
{
    [Theory]
    [InlineData(LowRankMethod.PissaFast, false)]
    [InlineData(LowRankMethod.Pissa, true)]
    [InlineData(LowRankMethod.Lora, false)]
    public void Initialize_SharesUntouchedData_LeavesTheInputAlone_AndSavesTheSameBytesAsFromADeepCopy(LowRankMethod method, bool dora)
    {
        OnnxModel model = TinyModel.Create();
        byte[] before = OnnxModelIO.ToBytes(model);
        var options = new LowRankOptions { Method = method, Rank = 2, Seed = 4, Dora = dora };

        AdaptedModel shared = LowRankInitializer.Initialize(model, options);
        AdaptedModel fromCopy = LowRankInitializer.Initialize(model.Clone(), options);

        Assert.Equal(before, OnnxModelIO.ToBytes(model));
        Assert.Equal(OnnxModelIO.ToBytes(fromCopy.Model), OnnxModelIO.ToBytes(shared.Model));

        // biases are untouched: the same array; W1 (MatMul) and W2 (Gemm) get W_res as new arrays unless the base is kept
        Assert.Same(model.Graph.FindInitializer("b1")!.RawData, shared.Model.Graph.FindInitializer("b1")!.RawData);
        Assert.Same(model.Graph.FindInitializer("c")!.RawData, shared.Model.Graph.FindInitializer("c")!.RawData);
        bool residual = method != LowRankMethod.Lora;
        Assert.Equal(!residual, ReferenceEquals(model.Graph.FindInitializer("W1")!.RawData, shared.Model.Graph.FindInitializer("W1")!.RawData));
        Assert.Equal(!residual, ReferenceEquals(model.Graph.FindInitializer("W2")!.RawData, shared.Model.Graph.FindInitializer("W2")!.RawData));

        float[] x = TinyModel.Input(5);
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), TinyModel.Run(shared.Model, x)) < 1e-5);
    }

    [Fact]
    public void Initialize_PissaFast_InPlaceResidual_IsBitIdenticalToTheCopyingPath()
    {
        // A redistribution with ρ = 1 keeps every rank and scale but reads all weights first, which takes the copying
        // path (a float copy of W, W_res in it, then bytes); the default path reads W in place and writes W_res into the
        // initializer's new bytes. The arithmetic is the same, so every tensor is bit-identical.
        OnnxModel model = TinyModel.Create();
        var options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 2, Seed = 4, MaxThreads = 1 };
        AdaptedModel inPlace = LowRankInitializer.Initialize(model, options);
        AdaptedModel copying = LowRankInitializer.Initialize(model, options with { Redistribution = new RankRedistribution { Rho = 1 } });
        Assert.Equal(
            copying.Model.Graph.Initializers.Select(t => (t.Name, t.RawData)),
            inPlace.Model.Graph.Initializers.Select(t => (t.Name, t.RawData)));
        Assert.Equal(copying.Report.Layers.Select(l => l.RelError), inPlace.Report.Layers.Select(l => l.RelError));
    }

    [Fact]
    public void Initialize_BaseHash_IsTheCallersWhenGiven_ElseTheSerializationsSha256()
    {
        OnnxModel model = TinyModel.Create();
        string serialized = Convert.ToHexStringLower(SHA256.HashData(OnnxModelIO.ToBytes(model)));
        AdaptedModel own = LowRankInitializer.Initialize(model, new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 2 });
        Assert.Equal(serialized, own.Adapters.Config.Pipelines.BaseModelSha256);
        Assert.Equal(serialized, LowRankInitializer.Sha256(model));

        string given = new('a', 64);
        AdaptedModel passed = LowRankInitializer.Initialize(model, new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 2, BaseModelSha256 = given, MaxThreads = 1 });
        Assert.Equal(given, passed.Adapters.Config.Pipelines.BaseModelSha256);
        Assert.Equal(OnnxModelIO.ToBytes(own.Model), OnnxModelIO.ToBytes(passed.Model));
    }
}
