using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Tests.Quantization;

public class EightBitAllocationTests
{
    private const int V = 64, D = 32, H = 64;

    /// <summary>input_ids [batch, seq] → Gather(E [V, D]) → MatMul(W1 [D, H]) → Relu → MatMul(W2 [H, D]) → MatMul(W3 [D, D]) → y [batch, seq, D].</summary>
    private static OnnxModel Encoder()
    {
        var b = new GraphBuilder("encoder");
        string ids = b.Input(BertInputs.InputIds, TensorElementType.Int64, "batch", "seq");
        string e = b.Initializer(OnnxTensor.FromFloats("E", QuantTestModels.Random(1, V * D), V, D));
        string w1 = b.Initializer(OnnxTensor.FromFloats("W1", QuantTestModels.Random(2, D * H, 0.3f), D, H));
        string w2 = b.Initializer(OnnxTensor.FromFloats("W2", QuantTestModels.Random(3, H * D, 0.3f), H, D));
        string w3 = b.Initializer(OnnxTensor.FromFloats("W3", QuantTestModels.Random(4, D * D, 0.3f), D, D));
        string h = b.Op("Relu", b.Op("MatMul", b.Op("Gather", e, ids), w1));
        b.Output(b.Op("MatMul", b.Op("MatMul", h, w2), w3), "y", TensorType.Of(TensorElementType.Float, "batch", "seq", D));
        return b.ToModel(13);
    }

    private static QuantizationOptions Budget(double budget) => new()
    {
        EightBit = new EightBitWeights(new HashSet<WeightRole>(), 0, 32) { SizeBudget = budget },
        Search = BlockScaleSearch.MinMax,
        EmbeddingBlockSize = 32,
        Rounding = WeightRounding.Nearest,
    };

    [Fact]
    public void EstimateBytes_EqualsQuantizedInitializerBytes()
    {
        OnnxModel model = Encoder();
        foreach (string[] eight in new[] { Array.Empty<string>(), ["W2"], ["W1", "W3"] })
        {
            QuantizationOptions options = Budget(0) with
            {
                EightBit = new EightBitWeights(new HashSet<WeightRole>(), 0, 32) { Initializers = eight.ToHashSet() },
            };
            OnnxModel q = new ModelQuantizer().Quantize(model, options).Model;
            Assert.Equal(q.Graph.Initializers.Sum(t => t.ByteCount), EightBitAllocation.EstimateBytes(model, options, eight.ToHashSet()));
        }
    }

    [Theory]
    [InlineData(0.17)]
    [InlineData(0.2)]
    [InlineData(0.25)]
    [InlineData(0.4)]
    public void Allocate_StaysWithinBudgetAndTakesTheBestRatioFirst(double budget)
    {
        OnnxModel model = Encoder();
        QuantizationOptions options = Budget(budget);
        (string, double)[] sensitivities = [("W1", 1.0), ("W2", 4.0), ("W3", 2.0)];
        IReadOnlySet<string> chosen = EightBitAllocation.Allocate(model, options, sensitivities);
        long budgetBytes = EightBitAllocation.BudgetBytes(model, options);
        Assert.True(budgetBytes < budget * EightBitAllocation.FloatBytes(model));
        Assert.True(EightBitAllocation.EstimateBytes(model, options, chosen) <= Math.Max(budgetBytes, EightBitAllocation.EstimateBytes(model, options, new HashSet<string>())));

        // Extra bytes at 8 bits: W1 1024, W2 1056, W3 512; so W3 (2/512) comes before W2 (4/1056) before W1 (1/1024). A
        // weight left out must not have fitted in what remained.
        long size = EightBitAllocation.EstimateBytes(model, options, chosen);
        foreach (string w in new[] { "W1", "W2", "W3" }.Where(w => !chosen.Contains(w)))
        {
            var with = new HashSet<string>(chosen) { w };
            Assert.True(EightBitAllocation.EstimateBytes(model, options, with) > budgetBytes, $"{w} fitted in {budget}× but was left out (size {size}).");
        }

        if (chosen.Contains("W1"))
        {
            Assert.Contains("W2", chosen);
            Assert.Contains("W3", chosen);
        }
    }

    [Fact]
    public void Select_WithBudget_IsDeterministicAndWithinBudget()
    {
        OnnxModel model = Encoder();
        QuantizationOptions options = Budget(0.3);
        IReadOnlySet<string> first = EightBitAllocation.Select(model, options);
        Assert.Equal(first.Order(), EightBitAllocation.Select(model, options).Order());
        OnnxModel q = new ModelQuantizer().Quantize(model, options).Model;

        // The file, not only the weights, stays within the budget.
        Assert.NotEmpty(first);
        Assert.InRange(OnnxModelIO.ToBytes(q).LongLength, 1, 0.3 * OnnxModelIO.ToBytes(model).LongLength);
        Assert.Equal(first.Count, q.Graph.Nodes.Count(n => n.OpType == "MatMulNBits" && n.IntAttribute("bits", 0) == 8));
    }

    [Fact]
    public void SensitivityProbe_ZeroForUnchangedWeightsAndGrowsWithTheError()
    {
        OnnxModel model = Encoder();
        IReadOnlyDictionary<string, double> none = SensitivityProbe.Measure(model, ["W1", "W2"], (_, w, _, _) => w);
        Assert.All(none.Values, s => Assert.InRange(s, -1e-6, 1e-6));
        float[] Noise(float[] w, float scale) => [.. w.Zip(QuantTestModels.Random(9, w.Length, scale), (a, b) => a + b)];
        double small = SensitivityProbe.Measure(model, ["W2"], (_, w, _, _) => Noise(w, 0.01f))["W2"];
        double large = SensitivityProbe.Measure(model, ["W2"], (_, w, _, _) => Noise(w, 0.1f))["W2"];
        Assert.InRange(small, 1e-9, large / 10);
    }

    [Fact]
    public void SensitivityProbe_RefusesModelsWithoutInputIds()
    {
        OnnxModel model = QuantTestModels.MatMul(QuantTestModels.Random(1, 32 * 8), 32, 8);
        Assert.False(SensitivityProbe.CanProbe(model));
        ArgumentException e = Assert.Throws<ArgumentException>(() => SensitivityProbe.Measure(model, ["W"], (_, w, _, _) => w));
        Assert.Contains("input_ids", e.Message, StringComparison.Ordinal);

        // Without the probe a budget falls back to the role rule (here: nothing at 8 bits).
        Assert.Empty(EightBitAllocation.Select(model, new QuantizationOptions { EightBit = EightBitWeights.None with { SizeBudget = 0.17 } }));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Validate_BadSizeBudget_NamesTheOption(double budget)
    {
        var options = new QuantizationOptions { EightBit = EightBitWeights.None with { SizeBudget = budget } };
        ArgumentException e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(EightBitWeights.SizeBudget), e.ParamName);
        Assert.Contains("budget", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadEightBitBlock_NamesTheOption()
    {
        var options = new QuantizationOptions { EightBit = new EightBitWeights(new HashSet<WeightRole>(), 0, 48) };
        ArgumentException e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(EightBitWeights.BlockSize), e.ParamName);
    }
}
