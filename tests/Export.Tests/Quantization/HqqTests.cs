using Pipelines.Export.Calibration;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Quantization;

/// <summary>Half-quadratic quantization (<see cref="BlockScaleSearch.Hqq"/>) and the data-free LayerNorm Hessian proxy.</summary>
public class HqqTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hqq_RandomMatrixWithOutliers_ErrorAtMostMinMaxAndMse(bool symmetric)
    {
        int rows = 24, length = 128;
        float[] w = QuantTestModels.Random(31, rows * length, 0.05f);
        var rng = new Random(32);
        for (int i = 0; i < 40; i++)
        {
            w[rng.Next(w.Length)] = (float)((rng.NextDouble() - 0.5) * 2);   // outliers up to 20× the spread
        }

        AssertHqqNoWorse(w, rows, length, symmetric);
    }

    [Theory]
    [InlineData(5, WeightRole.Value)]
    [InlineData(4, WeightRole.FfnIn)]
    [InlineData(0, WeightRole.Query)]
    public void Hqq_MiniLmLayer_ErrorAtMostMinMaxAndMse(int layer, WeightRole role)
    {
        OnnxModel model = MiniLm.Shared;
        LinearWeight weight = ModelSummary.Create(model).Weights.Single(x => x.Layer == layer && x.Role == role);
        OnnxTensor t = model.Graph.FindInitializer(weight.Initializer)!;
        int k = (int)t.Dims[0], n = Math.Min(48, (int)t.Dims[1]);   // the first 48 output columns keep the test fast
        float[] columns = WeightMatrix.Transpose(t.AsSpan<float>(), k, (int)t.Dims[1]).AsSpan(0, n * k).ToArray();
        AssertHqqNoWorse(columns, n, k, symmetric: false);
    }

    [Fact]
    public void Hqq_IsDeterministic()
    {
        int rows = 8, length = 96;
        float[] w = QuantTestModels.Random(41, rows * length, 0.3f);
        BlockQuantizedRows a = BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.Hqq);
        BlockQuantizedRows b = BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.Hqq);
        Assert.Equal(a.Codes, b.Codes);
        Assert.Equal(a.Scales, b.Scales);
        Assert.Equal(a.ZeroPoints, b.ZeroPoints);
    }

    [Fact]
    public void Hqq_LpErrorBelowMinMax()
    {
        int rows = 16, length = 64;
        float[] w = QuantTestModels.Random(51, rows * length, 0.2f);
        w[3] = 3f;
        double Lp(BlockQuantizedRows q)
        {
            float[] d = q.Dequantize();
            return w.Zip(d).Sum(p => Math.Pow(Math.Abs(p.First - p.Second), HqqParameters.Defaults.P));
        }

        double minMax = Lp(BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.MinMax));
        double hqq = Lp(BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.Hqq));
        Assert.True(hqq < minMax, $"l_p error: hqq {hqq} ≥ min-max {minMax}");
    }

    [Fact]
    public void Shrink_ZeroBelowThreshold_TowardsIdentityForLargeResiduals()
    {
        // |r|^(2−p) > 1/β is the survival condition: with β = 10, p = 0.7 the threshold is 10^(−1/1.3) ≈ 0.170.
        Assert.Equal(0, BlockParameterSearch.Shrink(0.16, 10, 0.7));
        Assert.True(BlockParameterSearch.Shrink(0.18, 10, 0.7) > 0);
        Assert.Equal(-BlockParameterSearch.Shrink(0.9, 10, 0.7), BlockParameterSearch.Shrink(-0.9, 10, 0.7));
        Assert.InRange(BlockParameterSearch.Shrink(100, 10, 0.7), 99.9, 100);
    }

    [Fact]
    public void HqqParameters_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentException>(() => new HqqParameters(P: 0).Validate());
        Assert.Throws<ArgumentException>(() => new HqqParameters(Beta: -1).Validate());
        Assert.Throws<ArgumentException>(() => new QuantizationOptions { Hqq = new HqqParameters(Kappa: 0.5) }.Validate());
    }

    [Fact]
    public void LayerNormHessians_MiniLm_OnePerAttentionAndFeedForwardInput()
    {
        OnnxModel model = MiniLm.Shared;
        InputHessians h = InputHessians.FromLayerNorms(model);
        Assert.Equal(12, h.Count);   // 6 layers × (Q/K/V input, FFN-up input)
        IReadOnlyList<LinearWeight> weights = ModelSummary.Create(model).Weights;
        OnnxNode query = model.Graph.Nodes.Single(n => n.Name == weights.Single(w => w.Layer == 2 && w.Role == WeightRole.Query).Node);
        Assert.True(h.TryGet(query.Inputs[0], out ReadOnlySpan<double> hq, out int k, out _));
        Assert.Equal(384, k);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(hq[(i * k) + i] >= 0);
            Assert.Equal(hq[(i * k) + 7], hq[(7 * k) + i]);
        }

        OnnxNode down = model.Graph.Nodes.Single(n => n.Name == weights.Single(w => w.Layer == 2 && w.Role == WeightRole.FfnOut).Node);
        Assert.False(h.TryGet(down.Inputs[0], out _, out _, out _));   // fed by GELU, not a LayerNorm
    }

    [Fact]
    public void GptqLayerNorm_LowersTheProxyOutputErrorOfALayer()
    {
        OnnxModel model = MiniLm.Shared;
        LinearWeight weight = ModelSummary.Create(model).Weights.Single(x => x.Layer == 5 && x.Role == WeightRole.Value);
        OnnxNode node = model.Graph.Nodes.Single(n => n.Name == weight.Node);
        InputHessians proxies = InputHessians.FromLayerNorms(model);
        Assert.True(proxies.TryGet(node.Inputs[0], out ReadOnlySpan<double> h, out int k, out _));
        OnnxTensor t = model.Graph.FindInitializer(weight.Initializer)!;
        int n = (int)t.Dims[1];
        float[] w = t.AsSpan<float>().ToArray();
        double[] hessian = h.ToArray();
        double OutputError(BlockQuantizedRows q)
        {
            // tr(Δᵀ H Δ) with Δ = W − Ŵ [K, N]; q rows are the N columns.
            float[] d = q.Dequantize();
            double total = 0;
            var delta = new double[k];
            for (int c = 0; c < n; c++)
            {
                for (int r = 0; r < k; r++)
                {
                    delta[r] = w[(r * n) + c] - d[(c * k) + r];
                }

                for (int i = 0; i < k; i++)
                {
                    double s = 0;
                    for (int j = 0; j < k; j++)
                    {
                        s += hessian[(i * k) + j] * delta[j];
                    }

                    total += delta[i] * s;
                }
            }

            return total;
        }

        double nearest = OutputError(WeightMatrix.QuantizeColumns(w, k, n, 32, 4, false, BlockScaleSearch.Mse));
        double gptq = OutputError(Gptq.QuantizeColumns(w, k, n, h, 32, 4, false, BlockScaleSearch.Mse));
        // The proxy is close to diagonal (ββᵀ is rank one), so the gain over importance-free rounding is small; it must not be a loss.
        Assert.True(gptq < nearest, $"proxy output error: GPTQ-LayerNorm {gptq} vs nearest {nearest}");
    }

    private static void AssertHqqNoWorse(float[] w, int rows, int length, bool symmetric)
    {
        double minMax = BlockQuantizer.SquaredError(w, BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric, BlockScaleSearch.MinMax));
        double mse = BlockQuantizer.SquaredError(w, BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric, BlockScaleSearch.Mse));
        double hqq = BlockQuantizer.SquaredError(w, BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric, BlockScaleSearch.Hqq));
        Assert.True(hqq <= mse * (1 + 1e-9), $"hqq {hqq} > mse {mse}");
        Assert.True(hqq < minMax, $"hqq {hqq} ≥ min-max {minMax}");
    }
}
