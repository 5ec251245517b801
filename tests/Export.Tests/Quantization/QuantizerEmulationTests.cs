using Pipelines.Export.Calibration;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Tests.Quantization;

/// <summary>Each quantizer's ORT output equals a C# emulation of the same quantized arithmetic.</summary>
public class QuantizerEmulationTests
{
    private const int M = 5, K = 96, N = 10;

    private static readonly SessionSettings s_exactNBits = new()
    {
        Optimization = GraphOptimization.All,
        ConfigEntries = new Dictionary<string, string> { ["session.qdq_matmulnbits_accuracy_level"] = "0" },
    };

    [Theory]
    [InlineData(32, true)]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(128, false)]
    public void MatMulNBits_EqualsDequantizedReference(int blockSize, bool symmetric)
    {
        float[] w = QuantTestModels.Random(1, K * N, 0.5f);
        float[] x = QuantTestModels.Random(2, M * K);
        var options = new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = blockSize, Symmetric = symmetric, AccuracyLevel = 0 };
        QuantizationResult result = new ModelQuantizer().Quantize(QuantTestModels.MatMul(w, K, N), options);
        Assert.Contains(result.Model.Graph.Nodes, n => n.OpType == "MatMulNBits" && n.Domain == OnnxModel.MicrosoftDomain);
        Assert.DoesNotContain(result.Model.Graph.Initializers, t => t.Name == "W");

        float[] wq = Dequantized(w, blockSize, symmetric);
        float[] expected = QuantTestModels.Multiply(x, wq, M, K, N);
        QuantTestModels.AssertClose(expected, QuantTestModels.RunMatMul(result.Model, x, M, K), 2e-5f);

        // The quantized model is not the float model: the reference must be able to fail.
        float[] exact = QuantTestModels.Multiply(x, w, M, K, N);
        Assert.True(exact.Zip(expected).Max(p => MathF.Abs(p.First - p.Second)) > 1e-3f);
    }

    [Theory]
    [InlineData(32, false)]
    [InlineData(128, false)]
    [InlineData(64, true)]
    public void MatMulNBits8Bit_EqualsDequantizedReference(int blockSize, bool symmetric)
    {
        float[] w = QuantTestModels.Random(21, K * N, 0.5f);
        float[] x = QuantTestModels.Random(22, M * K);
        var eight = new EightBitWeights(new HashSet<WeightRole>(), 0, blockSize) { Initializers = new HashSet<string> { "W" } };
        var options = new QuantizationOptions { Format = ExportFormat.Int4, Symmetric = symmetric, AccuracyLevel = 0, EightBit = eight };
        OnnxModel q = new ModelQuantizer().Quantize(QuantTestModels.MatMul(w, K, N), options).Model;
        OnnxNode node = q.Graph.Nodes.Single(n => n.OpType == "MatMulNBits");
        Assert.Equal(8, node.IntAttribute("bits", 0));
        int bs = eight.BlockSizeFor(K);
        Assert.Equal(bs, node.IntAttribute("block_size", 0));
        float[] wq = WeightMatrix.Transpose(WeightMatrix.QuantizeColumns(w, K, N, bs, 8, symmetric, options.Search).Dequantize(), N, K);
        QuantTestModels.AssertClose(QuantTestModels.Multiply(x, wq, M, K, N), QuantTestModels.RunMatMul(q, x, M, K), 2e-5f);

        // 8-bit codes are far closer to the float weights than 4-bit ones, and not equal to them.
        float[] exact = QuantTestModels.Multiply(x, w, M, K, N);
        float[] four = QuantTestModels.Multiply(x, Dequantized(w, 32, symmetric), M, K, N);
        double Err(float[] y) => exact.Zip(y).Sum(p => Math.Pow(p.First - p.Second, 2));
        Assert.InRange(Err(QuantTestModels.Multiply(x, wq, M, K, N)), 1e-12, Err(four) / 20);
    }

    [Fact]
    public void MatMulNBits_AccuracyLevel4_StaysCloseToReference()
    {
        float[] w = QuantTestModels.Random(11, K * N, 0.5f);
        float[] x = QuantTestModels.Random(12, M * K);
        var options = new QuantizationOptions { Format = ExportFormat.Int4, AccuracyLevel = 4, Symmetric = true };
        OnnxModel q = new ModelQuantizer().Quantize(QuantTestModels.MatMul(w, K, N), options).Model;
        Assert.Equal(4, q.Graph.Nodes.Single(n => n.OpType == "MatMulNBits").IntAttribute("accuracy_level", 0));
        float[] expected = QuantTestModels.Multiply(x, Dequantized(w, 32, true), M, K, N);
        QuantTestModels.AssertClose(expected, QuantTestModels.RunMatMul(q, x, M, K, new SessionSettings()), 0.15f);
    }

    [Theory]
    [InlineData(true, GraphOptimization.Disabled)]
    [InlineData(false, GraphOptimization.Disabled)]
    [InlineData(true, GraphOptimization.All)]
    public void Int4Dequantize_EqualsDequantizedReference(bool symmetric, GraphOptimization level)
    {
        float[] w = QuantTestModels.Random(3, K * N, 0.5f);
        float[] x = QuantTestModels.Random(4, M * K);
        var options = new QuantizationOptions { Format = ExportFormat.Int4Qdq, Symmetric = symmetric };
        OnnxModel q = new ModelQuantizer().Quantize(QuantTestModels.MatMul(w, K, N), options).Model;
        Assert.Equal(21, q.OpsetVersion());
        OnnxTensor packed = q.Graph.Initializers.Single(t => t.Name.StartsWith("W_q4", StringComparison.Ordinal));
        Assert.Equal(symmetric ? TensorElementType.Int4 : TensorElementType.UInt4, packed.ElementType);

        SessionSettings settings = level == GraphOptimization.All ? s_exactNBits : new SessionSettings { Optimization = level };
        float[] expected = QuantTestModels.Multiply(x, Dequantized(w, 32, symmetric), M, K, N);
        QuantTestModels.AssertClose(expected, QuantTestModels.RunMatMul(q, x, M, K, settings), 2e-5f);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MatMulInteger_EqualsIntegerEmulation(bool perChannel)
    {
        float[] w = QuantTestModels.Random(5, K * N, 0.5f);
        float[] x = QuantTestModels.Random(6, M * K, 2f);
        var options = new QuantizationOptions { Format = ExportFormat.Int8Dynamic, PerChannel = perChannel, QuantizeEmbeddings = false };
        OnnxModel q = new ModelQuantizer().Quantize(QuantTestModels.MatMul(w, K, N), options).Model;
        Assert.Contains(q.Graph.Nodes, n => n.OpType == "MatMulInteger");

        // DynamicQuantizeLinear: range widened to include 0, scale = (max − min)/255, zp = round(−min/scale), aq = sat(round(x/scale) + zp).
        float min = MathF.Min(0, x.Min()), max = MathF.Max(0, x.Max());
        float aScale = (max - min) / 255f;
        int aZero = Math.Clamp((int)MathF.Round(-min / aScale, MidpointRounding.ToEven), 0, 255);
        (sbyte[] wq, float[] wScales) = Int8Weights.Quantize(w, K, N, perChannel);
        var expected = new float[M * N];
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                int acc = 0;
                for (int t = 0; t < K; t++)
                {
                    int aq = Math.Clamp((int)MathF.Round(x[(i * K) + t] / aScale, MidpointRounding.ToEven) + aZero, 0, 255);
                    acc += (aq - aZero) * wq[(t * N) + j];
                }

                expected[(i * N) + j] = acc * (aScale * wScales[perChannel ? j : 0]);
            }
        }

        QuantTestModels.AssertClose(expected, QuantTestModels.RunMatMul(q, x, M, K, new SessionSettings()), 1e-5f);
    }

    [Theory]
    [InlineData(GraphOptimization.Disabled)]
    [InlineData(GraphOptimization.All)]
    public void Qdq_EqualsQuantizeDequantizeEmulation(GraphOptimization level)
    {
        float[] w = QuantTestModels.Random(7, K * N, 0.5f);
        float[] x = QuantTestModels.Random(8, M * K, 2f);
        float[] y = QuantTestModels.Multiply(x, w, M, K, N);
        OnnxModel model = QuantTestModels.MatMul(w, K, N);
        OnnxNode matMul = model.Graph.Nodes.Single(n => n.OpType == "MatMul");
        var ranges = new ActivationRanges(new Dictionary<string, ActivationRange>
        {
            [matMul.Inputs[0]] = new(x.Min(), x.Max()),
            [matMul.Outputs[0]] = new(y.Min(), y.Max()),
        });
        var options = new QuantizationOptions { Format = ExportFormat.Int8Qdq };
        QuantizationResult result = new ModelQuantizer().Quantize(model, options, ranges);
        Assert.Equal(1, result.QuantizedCount);
        OnnxModel q = result.Model;

        (float sa, byte za) = Int8Weights.AffineUInt8(x.Min(), x.Max());
        (float sy, byte zy) = Int8Weights.AffineUInt8(y.Min(), y.Max());
        (sbyte[] wq, float[] ws) = Int8Weights.Quantize(w, K, N, perChannel: true);
        var expected = new float[M * N];
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double acc = 0;
                for (int t = 0; t < K; t++)
                {
                    int aq = Math.Clamp((int)MathF.Round(x[(i * K) + t] / sa, MidpointRounding.ToEven) + za, 0, 255);
                    acc += (double)((aq - za) * sa) * (wq[(t * N) + j] * ws[j]);
                }

                int yq = Math.Clamp((int)Math.Round(acc / sy, MidpointRounding.ToEven) + zy, 0, 255);
                expected[(i * N) + j] = (yq - zy) * sy;
            }
        }

        float[] actual = QuantTestModels.RunMatMul(q, x, M, K, new SessionSettings { Optimization = level });
        // Float summation order may move a value across a rounding boundary: allow one output step on a few elements.
        int off = expected.Zip(actual).Count(p => MathF.Abs(p.First - p.Second) > sy * 0.01f);
        QuantTestModels.AssertClose(expected, actual, sy * 1.01f);
        Assert.True(off <= expected.Length / 20, $"{off} of {expected.Length} outputs differ from the emulation by a step");
    }

    [Theory]
    [InlineData(ExportFormat.Int4, true)]
    [InlineData(ExportFormat.Int4, false)]
    [InlineData(ExportFormat.Int4Qdq, true)]
    [InlineData(ExportFormat.Int4Qdq, false)]
    public void Gather4Bit_ReturnsDequantizedRows(ExportFormat format, bool symmetric)
    {
        int v = 20, d = 64;
        float[] table = QuantTestModels.Random(9, v * d, 0.3f);
        var options = new QuantizationOptions { Format = format, Symmetric = symmetric };
        OnnxModel q = new ModelQuantizer().Quantize(QuantTestModels.Gather(table, v, d), options).Model;
        Assert.Contains(q.Graph.Nodes, n => n.OpType == (format == ExportFormat.Int4 ? "GatherBlockQuantized" : "DequantizeLinear"));
        long[] ids = [3, 0, 19, 3, 7];
        float[] deq = BlockQuantizer.Quantize(table, v, d, options.TableBlockSizeFor(d), 4, symmetric, QuantizationOptions.Defaults.Search).Dequantize();
        float[] expected = ids.SelectMany(i => deq.AsSpan((int)i * d, d).ToArray()).ToArray();
        QuantTestModels.AssertClose(expected, QuantTestModels.RunGather(q, ids), 1e-6f);
    }

    [Fact]
    public void GatherUInt8_ReturnsDequantizedRows()
    {
        int v = 16, d = 8;
        float[] table = QuantTestModels.Random(10, v * d, 0.3f);
        OnnxModel q = new ModelQuantizer().Quantize(QuantTestModels.Gather(table, v, d), new QuantizationOptions { Format = ExportFormat.Int8Dynamic }).Model;
        (float s, byte z) = Int8Weights.AffineUInt8(table.Min(), table.Max());
        long[] ids = [1, 11, 4];
        float[] expected = ids.SelectMany(i => table.AsSpan((int)i * d, d).ToArray())
            .Select(t => (Math.Clamp((int)MathF.Round(t / s, MidpointRounding.ToEven) + z, 0, 255) - z) * s).ToArray();
        QuantTestModels.AssertClose(expected, QuantTestModels.RunGather(q, ids), 1e-6f);
    }

    [Fact]
    public void TablesUnderSixteenRows_StayFloat()
    {
        int v = 2, d = 64;
        float[] table = QuantTestModels.Random(12, v * d, 0.3f);
        QuantizationResult r = new ModelQuantizer().Quantize(QuantTestModels.Gather(table, v, d), new QuantizationOptions());
        Assert.Equal(0, r.QuantizedCount);
        Assert.Contains("2 rows", r.Decisions.Single().Reason);
        QuantTestModels.AssertClose([.. table.AsSpan(d, d)], QuantTestModels.RunGather(r.Model, [1]), 0f);
    }

    [Fact]
    public void ExcludedNodesAndWeightsStayFloat()
    {
        float[] w = QuantTestModels.Random(1, K * N);
        OnnxModel model = QuantTestModels.MatMul(w, K, N);
        string node = model.Graph.Nodes.Single(n => n.OpType == "MatMul").Name;
        QuantizationResult byNode = new ModelQuantizer().Quantize(model, new QuantizationOptions { ExcludedNodes = new HashSet<string> { node } });
        QuantizationResult byWeight = new ModelQuantizer().Quantize(model, new QuantizationOptions { ExcludedInitializers = new HashSet<string> { "W" } });
        foreach (QuantizationResult r in new[] { byNode, byWeight })
        {
            Assert.Equal(0, r.QuantizedCount);
            Assert.Contains(r.Model.Graph.Nodes, n => n.OpType == "MatMul");
            Assert.NotNull(r.Model.Graph.FindInitializer("W"));
        }
    }

    [Fact]
    public void Int8Qdq_WithoutRanges_IsRefusedWithAClearMessage()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new ModelQuantizer().Quantize(QuantTestModels.MatMul(new float[16], 4, 4), new QuantizationOptions { Format = ExportFormat.Int8Qdq }));
        Assert.Contains("calibrat", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static float[] Dequantized(float[] w, int blockSize, bool symmetric)
    {
        // Quantize per output column along K, then transpose back to [K, N].
        float[] columns = WeightMatrix.QuantizeColumns(w, K, N, blockSize, 4, symmetric, QuantizationOptions.Defaults.Search).Dequantize();
        return WeightMatrix.Transpose(columns, N, K);
    }
}
