using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class ModelSummaryTests
{
    [Fact]
    public void MiniLm_Has36MatMulWeightsWithRolesPerLayer_AndPoolerGemm()
    {
        ModelSummary s = ModelSummary.Create(MiniLm.Shared);
        var matmuls = s.Weights.Where(w => w.OpType == "MatMul").ToList();

        Assert.Equal(36, matmuls.Count);
        foreach (WeightRole role in new[] { WeightRole.Query, WeightRole.Key, WeightRole.Value, WeightRole.AttentionOutput, WeightRole.FfnIn, WeightRole.FfnOut })
        {
            Assert.Equal([0, 1, 2, 3, 4, 5], matmuls.Where(w => w.Role == role).Select(w => w.Layer).OrderBy(l => l));
        }

        Assert.All(matmuls.Where(w => w.Role == WeightRole.FfnIn), w => Assert.Equal((384L, 1536L), (w.InFeatures, w.OutFeatures)));
        Assert.All(matmuls.Where(w => w.Role == WeightRole.FfnOut), w => Assert.Equal((1536L, 384L), (w.InFeatures, w.OutFeatures)));
        LinearWeight pooler = Assert.Single(s.Weights, w => w.OpType == "Gemm");
        Assert.Equal(WeightRole.Pooler, pooler.Role);
        Assert.True(pooler.Transposed);
    }

    [Fact]
    public void MiniLm_BiasesFoundByTraversalMatchTheirHuggingFaceNames()
    {
        // Weight names are numeric ('938'); biases keep module names, so they independently confirm each role.
        var expected = new Dictionary<WeightRole, string>
        {
            [WeightRole.Query] = "attention.self.query.bias",
            [WeightRole.Key] = "attention.self.key.bias",
            [WeightRole.Value] = "attention.self.value.bias",
            [WeightRole.AttentionOutput] = "attention.output.dense.bias",
            [WeightRole.FfnIn] = "intermediate.dense.bias",
            [WeightRole.FfnOut] = "output.dense.bias",
        };
        foreach (LinearWeight w in ModelSummary.Create(MiniLm.Shared).Weights.Where(w => w.OpType == "MatMul"))
        {
            Assert.Equal($"encoder.layer.{w.Layer}.{expected[w.Role]}", w.Bias);
        }
    }

    [Fact]
    public void Mlp_LayersAreFeedForwardOutsideAnyTransformerLayer()
    {
        ModelSummary s = ModelSummary.Create(TinyModels.Mlp(seed: 2));

        Assert.Equal(2, s.Weights.Count);
        Assert.Equal((WeightRole.FfnIn, -1), (s.Weights[0].Role, s.Weights[0].Layer));
        Assert.Equal((WeightRole.FfnOut, -1), (s.Weights[1].Role, s.Weights[1].Layer));
        Assert.Equal((4L, 8L), (s.Weights[0].InFeatures, s.Weights[0].OutFeatures));
    }
}
