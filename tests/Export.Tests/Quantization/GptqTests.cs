using Pipelines.Export.Calibration;
using Pipelines.Export.Quantization;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Tests.Quantization;

/// <summary>GPTQ rounding: the factorisation, the error it minimises, its statistics and the ORT operators storing it.</summary>
public class GptqTests
{
    private const int K = 64, N = 12, T = 200;

    [Fact]
    public void UpperCholeskyOfInverse_TimesHessian_IsTheIdentity()
    {
        (double[] h, _) = Hessian(3, 24, 80);
        double[] u = Gptq.UpperCholeskyOfInverse(h, 24);
        for (int i = 0; i < 24; i++)
        {
            for (int j = 0; j < 24; j++)
            {
                // (UᵀU)·H = I.
                double s = 0;
                for (int m = 0; m < 24; m++)
                {
                    double inv = 0;
                    for (int r = 0; r < 24; r++)
                    {
                        inv += u[(r * 24) + i] * u[(r * 24) + m];
                    }

                    s += inv * h[(m * 24) + j];
                }

                Assert.Equal(i == j ? 1.0 : 0.0, s, 6);
                if (j < i)
                {
                    Assert.Equal(0.0, u[(i * 24) + j]);
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gptq_LowersTheLayerOutputError_BelowNearestRounding(bool symmetric)
    {
        (double[] h, float[] x) = Hessian(5, K, T);
        float[] w = QuantTestModels.Random(6, K * N, 0.4f);
        float[] nearest = Dequantize(WeightMatrix.QuantizeColumns(w, K, N, 32, 4, symmetric, BlockScaleSearch.Mse));
        float[] gptq = Dequantize(Gptq.QuantizeColumns(w, K, N, h, 32, 4, symmetric));
        double eNearest = OutputError(x, w, nearest), eGptq = OutputError(x, w, gptq);
        Assert.True(eGptq < 0.8 * eNearest, $"GPTQ ‖X(W−Ŵ)‖² {eGptq} is not well below nearest rounding's {eNearest}");
    }

    [Fact]
    public void Collect_AveragesXxT_OverTheRowsOfTheMatMulInput()
    {
        float[] w = QuantTestModels.Random(7, 8 * 3);
        float[] x = QuantTestModels.Random(8, 5 * 8);
        using TensorBatch batch = new TensorBatch().Add("x", x, 5, 8);
        InputHessians hs = InputHessians.Collect(QuantTestModels.MatMul(w, 8, 3), [batch, batch]);
        Assert.True(hs.TryGet("x", out ReadOnlySpan<double> h, out int k, out long tokens));
        Assert.Equal(8, k);
        Assert.Equal(10, tokens);
        for (int i = 0; i < 8; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                double expected = Enumerable.Range(0, 5).Average(t => (double)x[(t * 8) + i] * x[(t * 8) + j]);
                Assert.Equal(expected, h[(i * 8) + j], 5);
            }
        }
    }

    [Fact]
    public void MatMulNBits_WithGptq_EqualsTheDequantizedGptqWeight()
    {
        (double[] h, float[] x) = Hessian(9, K, T);
        float[] w = QuantTestModels.Random(10, K * N, 0.4f);
        InputHessians hs = InputHessians.FromMatrices(new Dictionary<string, (double[], int)> { ["x"] = (h, K) });
        var options = new QuantizationOptions { Format = ExportFormat.Int4, AccuracyLevel = 0, Rounding = WeightRounding.Gptq };
        var model = new ModelQuantizer().Quantize(QuantTestModels.MatMul(w, K, N), options, null, hs).Model;
        float[] expectedW = Dequantize(Gptq.QuantizeColumns(w, K, N, h, 32, 4, false, options.Search));
        float[] nearestW = Dequantize(WeightMatrix.QuantizeColumns(w, K, N, 32, 4, false, BlockScaleSearch.Mse));
        Assert.NotEqual(nearestW, expectedW);
        float[] xs = x.AsSpan(0, 4 * K).ToArray();
        float[] expected = QuantTestModels.Multiply(xs, expectedW, 4, K, N);
        QuantTestModels.AssertClose(expected, QuantTestModels.RunMatMul(model, xs, 4, K, new SessionSettings { Optimization = GraphOptimization.Disabled }), 2e-5f);
    }

    [Fact]
    public void Gptq_WithoutStatistics_IsRefusedWithAClearMessage()
    {
        var options = new QuantizationOptions { Format = ExportFormat.Int4, Rounding = WeightRounding.Gptq };
        var e = Assert.Throws<ArgumentException>(() => new ModelQuantizer().Quantize(QuantTestModels.MatMul(new float[K * N], K, N), options));
        Assert.Contains("InputHessians", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Correlated inputs X = Z·A <c>[t, k]</c> and H = XᵀX/t.</summary>
    private static (double[] H, float[] X) Hessian(int seed, int k, int t)
    {
        float[] z = QuantTestModels.Random(seed, t * k);
        float[] a = QuantTestModels.Random(seed + 100, k * k, 0.3f);
        for (int i = 0; i < k; i++)
        {
            a[(i * k) + i] += 1f;
        }

        float[] x = QuantTestModels.Multiply(z, a, t, k, k);
        var h = new double[k * k];
        for (int r = 0; r < t; r++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    h[(i * k) + j] += (double)x[(r * k) + i] * x[(r * k) + j] / t;
                }
            }
        }

        return (h, x);
    }

    private static float[] Dequantize(BlockQuantizedRows q) => WeightMatrix.Transpose(q.Dequantize(), N, K);

    private static double OutputError(float[] x, float[] w, float[] wq)
    {
        float[] y = QuantTestModels.Multiply(x, w, T, K, N);
        float[] yq = QuantTestModels.Multiply(x, wq, T, K, N);
        return y.Zip(yq).Sum(p => Math.Pow(p.First - p.Second, 2));
    }
}
