using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>LoftQ's alternating loop with a stand-in block quantizer (the export's int4 quantizer is tested in Export.Tests).</summary>
public class LoftQTests
{
    // Symmetric absmax int4 (levels −7…7) over blocks of 8 consecutive rows of each column, K-blocked as MatMulNBits.
    internal static Matrix Int4RoundTrip(Matrix w)
    {
        var q = new Matrix(w.Rows, w.Cols);
        for (int c = 0; c < w.Cols; c++)
        {
            for (int start = 0; start < w.Rows; start += 8)
            {
                int end = Math.Min(w.Rows, start + 8);
                float max = 0;
                for (int i = start; i < end; i++)
                {
                    max = Math.Max(max, Math.Abs(w[i, c]));
                }

                float scale = max / 7f;
                for (int i = start; i < end; i++)
                {
                    q[i, c] = scale == 0 ? 0 : Math.Clamp(MathF.Round(w[i, c] / scale), -7, 7) * scale;
                }
            }
        }

        return q;
    }

    private static Matrix LowRankPlusNoise(int k, int n, ulong seed)
    {
        var rng = new GaussianSampler(seed);
        var u = new Matrix(k, 4);
        var v = new Matrix(4, n);
        rng.Fill(u.Data);
        rng.Fill(v.Data);
        Matrix w = MatrixOps.Multiply(u, v);
        for (int i = 0; i < w.Data.Length; i++)
        {
            w.Data[i] = (0.5f * w.Data[i]) + (0.3f * rng.NextGaussian());
        }

        return w;
    }

    [Fact]
    public void Errors_DecreaseMonotonically_StartAtTheOptimalRankRFitOfTheQuantizationError_AndBeatPlainQuantization()
    {
        Matrix w = LowRankPlusNoise(48, 40, 11);
        var weight = new LinearWeight("W", "node", "MatMul", 1, 48, 40, false, WeightRole.Other, -1, null);
        var target = new LowRankTarget(weight, "node.node", 6, 12f);   // s = 2: factors divided by s
        (FactorResult f, double[] errors) = LoftQDecomposition.Factors(target, w, new LoftQOptions { RoundTrip = Int4RoundTrip, Iterations = 6 });

        Matrix q0 = Int4RoundTrip(w);
        double plain = MatrixOps.DistanceFrobenius(w.Data, q0.Data);
        Matrix diff = w.Clone();
        System.Numerics.Tensors.TensorPrimitives.Subtract(diff.Data, q0.Data, diff.Data);
        double optimal = Math.Sqrt(JacobiSvd.SingularValues(diff).Skip(6).Sum(s => (double)s * s));
        Assert.Equal(optimal, errors[0], optimal * 1e-3);            // pass 1: Eckart–Young on W − quant(W)
        Assert.True(errors[0] < plain);
        for (int t = 1; t < errors.Length; t++)
        {
            Assert.True(errors[t] <= errors[t - 1] * (1 + 1e-6), $"pass {t + 1}: {errors[t]} > {errors[t - 1]}");
        }

        Assert.True(errors[^1] < errors[0] * 0.99, $"{errors[^1]} vs {errors[0]}");

        // The written base is on the quantizer's grid and W ≈ Q + s·A·B with the reported error.
        Matrix q = f.Residual!;
        Assert.True(MatrixOps.DistanceFrobenius(Int4RoundTrip(q).Data, q.Data) < 1e-4 * q.FrobeniusNorm());
        Matrix recon = f.Factors.Delta();
        System.Numerics.Tensors.TensorPrimitives.Add(recon.Data, q.Data, recon.Data);
        Assert.Equal(errors[^1], MatrixOps.DistanceFrobenius(w.Data, recon.Data), errors[^1] * 1e-3);
    }

    [Fact]
    public void Initialize_WritesTheQuantizedBase_AndTheConfig()
    {
        OnnxModel model = TinyModel.Create();
        AdaptedModel adapted = LowRankInitializer.Initialize(model, new LowRankOptions
        {
            Method = LowRankMethod.LoftQ,
            Rank = 2,
            Alpha = 1,
            LoftQ = new LoftQOptions { RoundTrip = Int4RoundTrip, Iterations = 3 },
        });
        float[] w1 = adapted.Model.Graph.FindInitializer("W1")!.ToArray<float>();
        Matrix q = Matrix.FromSpan(TinyModel.In, 6, w1);
        Assert.True(MatrixOps.DistanceFrobenius(Int4RoundTrip(q).Data, q.Data) < 1e-4 * q.FrobeniusNorm());
        Assert.Equal("loftq", adapted.Adapters.Config.InitLoraWeights.GetString());
        Assert.Equal(3, adapted.Adapters.Config.LoftqConfig!["loftq_iter"]);
        Assert.All(adapted.Report.Layers, l => Assert.InRange(l.RelError, 1e-6, 0.2));

        // Closer to the float model than the plain quantized one.
        OnnxModel plain = model.Clone();
        foreach (string name in new[] { "W1", "W2" })
        {
            OnnxTensor t = plain.Graph.FindInitializer(name)!;
            Matrix m = Matrix.FromSpan((int)t.Dims[0], (int)t.Dims[1], t.ToArray<float>());
            Matrix rt = name == "W2" ? Int4RoundTrip(m.Transpose()).Transpose() : Int4RoundTrip(m);
            t.ReplaceData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rt.Data.AsSpan()).ToArray());
        }

        float[] x = TinyModel.Input(16);
        float[] y = TinyModel.Run(model, x);
        Assert.True(TinyModel.MaxAbsDiff(y, TinyModel.Run(adapted.Model, x)) < TinyModel.MaxAbsDiff(y, TinyModel.Run(plain, x)));
        Assert.Throws<ArgumentException>(() => LowRankInitializer.Initialize(model, new LowRankOptions { Method = LowRankMethod.LoftQ }));
    }
}
