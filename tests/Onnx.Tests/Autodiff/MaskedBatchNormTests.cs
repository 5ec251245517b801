using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx.Runtime;
using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>
/// <see cref="MaskedBatchNorm"/>: finite-difference gradients of the train-mode normalisation (x, γ, β, with and without
/// padding), statistics over real entries only, the running-statistics update, and the inference formula.
/// </summary>
public sealed class MaskedBatchNormTests
{
    private const double Tolerance = 1e-6;

    // x (B=3, N=4, C=2); rows 3 of graph 0 and 2..3 of graph 2 are padding
    private static readonly double[] s_mask = [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrainingMode_GradientsMatchFiniteDifferences(bool masked)
    {
        var c = new GradCase(seed: 3);
        string x = c.ParamIn("x", -2, 2, 3, 4, 2);
        BatchNormNames names = BatchNormNames.ForPrefix("bn");
        c.ParamIn(names.Scale, 0.5, 1.5, 1, 1, 2);
        c.Param(names.Shift, 1, 1, 2);
        c.B.Initializer(OnnxTensor.FromDoubles(names.RunningMean, [0, 0], 1, 1, 2));
        c.B.Initializer(OnnxTensor.FromDoubles(names.RunningVariance, [1, 1], 1, 1, 2));
        string? mask = masked ? c.B.Initializer(OnnxTensor.FromDoubles("mask", s_mask, 3, 4, 1)) : null;
        string y = MaskedBatchNorm.Append(c.B, x, mask, names, [0, 1], NormalizationMode.Training, TensorElementType.Double);
        Assert.InRange(c.Check(y, dims: [3, 4, 2]), 0, Tolerance);
    }

    [Fact]
    public void TrainingMode_UsesRealEntriesOnly_AndUpdatesRunningStatistics()
    {
        var rng = new Random(5);
        double[] x = [.. Enumerable.Range(0, 24).Select(_ => (rng.NextDouble() * 4) - 2)];
        double[] gamma = [1.5, 0.5], beta = [0.25, -1], mean0 = [0.3, -0.2], var0 = [2, 0.5];
        (double[] y, double[] m1, double[] v1) = RunTraining(x, gamma, beta, mean0, var0);

        // padded entries are garbage: changing them changes nothing
        double[] noisy = (double[])x.Clone();
        for (int row = 0; row < 12; row++)
        {
            if (s_mask[row] == 0)
            {
                noisy[(row * 2) + 0] = 100;
                noisy[(row * 2) + 1] = -7;
            }
        }

        (double[] y2, double[] m2, double[] v2) = RunTraining(noisy, gamma, beta, mean0, var0);
        Assert.Equal(y, y2);
        Assert.Equal(m1, m2);
        Assert.Equal(v1, v2);

        for (int ch = 0; ch < 2; ch++)
        {
            double[] real = [.. Enumerable.Range(0, 12).Where(r => s_mask[r] == 1).Select(r => x[(r * 2) + ch])];
            double mu = real.Average();
            double biased = real.Average(v => (v - mu) * (v - mu));
            for (int r = 0; r < 12; r++)
            {
                double expected = s_mask[r] == 0 ? 0 : (gamma[ch] * (x[(r * 2) + ch] - mu) / Math.Sqrt(biased + MaskedBatchNorm.Epsilon)) + beta[ch];
                Assert.Equal(expected, y[(r * 2) + ch], 1e-12);
            }

            double m = MaskedBatchNorm.Momentum;
            Assert.Equal(((1 - m) * mean0[ch]) + (m * mu), m1[ch], 1e-12);
            Assert.Equal(((1 - m) * var0[ch]) + (m * biased * real.Length / (real.Length - 1)), v1[ch], 1e-12);
        }
    }

    [Fact]
    public void InferenceMode_IsTheRunningStatisticsFormula()
    {
        var b = new GraphBuilder("bn_eval");
        string x = b.Input("x", TensorElementType.Float, 3, 4, 2);
        BatchNormNames names = BatchNormNames.ForPrefix("bn");
        float[] gamma = [1.5f, 0.5f], beta = [0.25f, -1], mean = [0.3f, -0.2f], variance = [2, 0.5f];
        b.Initializer(OnnxTensor.FromFloats(names.Scale, gamma, 1, 1, 2));
        b.Initializer(OnnxTensor.FromFloats(names.Shift, beta, 1, 1, 2));
        b.Initializer(OnnxTensor.FromFloats(names.RunningMean, mean, 1, 1, 2));
        b.Initializer(OnnxTensor.FromFloats(names.RunningVariance, variance, 1, 1, 2));
        string mask = b.Initializer(OnnxTensor.FromFloats("mask", [.. s_mask.Select(v => (float)v)], 3, 4, 1));
        b.Output(MaskedBatchNorm.Append(b, x, mask, names, [0, 1], NormalizationMode.Inference, TensorElementType.Float), "y");
        var rng = new Random(9);
        float[] data = [.. Enumerable.Range(0, 24).Select(_ => (float)((rng.NextDouble() * 4) - 2))];
        using OnnxSession session = OrtSessions.Create(b.ToModel());
        using var batch = new TensorBatch().Add("x", data, 3, 4, 2);
        float[] y = session.RunFloat(batch)["y"].Data;
        for (int i = 0; i < 24; i++)
        {
            int ch = i % 2;
            double expected = s_mask[i / 2] == 0 ? 0 : (gamma[ch] * (data[i] - mean[ch]) / Math.Sqrt(variance[ch] + MaskedBatchNorm.Epsilon)) + beta[ch];
            Assert.Equal(expected, y[i], 1e-5);
        }
    }

    [Fact]
    public void Names_RecogniseRunningStatisticsAndNormalizationTensors()
    {
        BatchNormNames n = BatchNormNames.ForPrefix("spe.rho.0.bn0");
        Assert.True(BatchNormNames.IsRunningStatistic(n.RunningMean));
        Assert.True(BatchNormNames.IsRunningStatistic(n.RunningVariance));
        Assert.False(BatchNormNames.IsRunningStatistic(n.Scale));
        Assert.True(BatchNormNames.IsNormalizationTensor(n.Scale));
        Assert.True(BatchNormNames.IsNormalizationTensor(n.Shift));
        Assert.False(BatchNormNames.IsNormalizationTensor("spe.rho.0.w0"));
        Assert.Equal([1L, 4, 1, 8], MaskedBatchNorm.StatisticsShape([3, 4, 5, 8], [0, 2]));
    }

    private static (double[] Y, double[] Mean, double[] Variance) RunTraining(double[] x, double[] gamma, double[] beta, double[] mean, double[] variance)
    {
        var b = new GraphBuilder("bn_train");
        string xi = b.Input("x", TensorElementType.Double, 3, 4, 2);
        BatchNormNames names = BatchNormNames.ForPrefix("bn");
        b.Initializer(OnnxTensor.FromDoubles(names.Scale, gamma, 1, 1, 2));
        b.Initializer(OnnxTensor.FromDoubles(names.Shift, beta, 1, 1, 2));
        b.Initializer(OnnxTensor.FromDoubles(names.RunningMean, mean, 1, 1, 2));
        b.Initializer(OnnxTensor.FromDoubles(names.RunningVariance, variance, 1, 1, 2));
        string mask = b.Initializer(OnnxTensor.FromDoubles("mask", s_mask, 3, 4, 1));
        b.Output(MaskedBatchNorm.Append(b, xi, mask, names, [0, 1], NormalizationMode.Training, TensorElementType.Double), "y");
        b.Output(BatchNormNames.UpdateOf(names.RunningMean));
        b.Output(BatchNormNames.UpdateOf(names.RunningVariance));
        using OnnxSession session = OrtSessions.Create(b.ToModel());
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, [3, 4, 2]);
        using IDisposableReadOnlyCollection<OrtValue> r = session.RunValues(new Dictionary<string, OrtValue> { ["x"] = input });
        return (r[0].GetTensorDataAsSpan<double>().ToArray(), r[1].GetTensorDataAsSpan<double>().ToArray(), r[2].GetTensorDataAsSpan<double>().ToArray());
    }
}
