using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

public class EvaTests : IClassFixture<MiniLmHarness>
{
    private static readonly string[] s_calibration =
    [
        "A gripping story told with wit and real affection for its characters.",
        "The service was slow and the food arrived cold.",
        "Researchers measured the effect of the new drug on blood pressure.",
        "Please send the signed contract back before Friday.",
        "The orchestra played Mahler's fifth symphony with remarkable control.",
        "Rain is expected over the northern coast for most of the week.",
        "He fixed the leaking tap with a wrench and some tape.",
        "The committee postponed its decision until the next meeting.",
    ];

    private readonly MiniLmHarness _h;

    public EvaTests(MiniLmHarness harness) => _h = harness;

    [Fact]
    public void Initialize_Eva_RedistributedRanksSumToBudget_OutputsUnchanged_ARowsOrthonormal()
    {
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        var batches = s_calibration.Chunk(4).Select(c => SampleInputs.FromSentences(_h.Model, files.VocabPath, c)).ToList();
        var options = new LowRankOptions
        {
            Method = LowRankMethod.Eva,
            Rank = 4,
            Targets = new TargetSelector { Layers = [0, 1] },
            Eva = new EvaOptions { Batches = batches, MaxPasses = 2 },
        };
        AdaptedModel adapted = LowRankInitializer.Initialize(_h.Model, options);
        Assert.Equal(12, adapted.Report.Layers.Count);
        Assert.Equal(12 * 4, adapted.Report.Layers.Sum(l => l.Rank));
        Assert.True(adapted.Report.Layers.Select(l => l.Rank).Distinct().Count() > 1, "explained variance differs across layers, so ranks should move");
        Assert.All(adapted.Report.Layers, l => Assert.Equal(l.Rank, l.Alpha, 4));
        Assert.True(_h.MaxDeviation(adapted.Model) < 1e-6);
        foreach (AdapterFactors f in adapted.Adapters.Adapters)
        {
            Assert.True(MatrixOps.OrthonormalityError(f.A) < 1e-4, f.Target.Module);
            Assert.All(f.B.Data, v => Assert.Equal(0f, v));
        }

        // q, k and v read the same input, so they get the same components.
        AdapterFactors[] layer0 = adapted.Adapters.Adapters.Where(f => f.Target.Weight.Layer == 0 && f.Target.Weight.Role is WeightRole.Query or WeightRole.Key).ToArray();
        Assert.Equal(layer0[0].A.Column0(), layer0[1].A.Column0());
    }
}

internal static class MatrixTestExtensions
{
    public static float[] Column0(this Matrix m) => Enumerable.Range(0, m.Rows).Select(i => m[i, 0]).ToArray();
}
