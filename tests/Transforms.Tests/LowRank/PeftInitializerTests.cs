using System.Runtime.InteropServices;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>rsLoRA scaling, orthogonal init and CorDA (peft's <c>use_rslora</c>, <c>"orthogonal"</c>, <c>"corda"</c>).</summary>
public class PeftInitializerTests
{
    private static Matrix Random(int rows, int cols, ulong seed)
    {
        var m = new Matrix(rows, cols);
        new GaussianSampler(seed).Fill(m.Data);
        return m;
    }

    // base + s·A·B computed by hand in double and written into the weights of a copy of the model.
    private static OnnxModel WithDeltas(OnnxModel model, IReadOnlyList<AdapterFactors> factors, double scale)
    {
        OnnxModel copy = model.Clone();
        foreach (AdapterFactors f in factors)
        {
            Matrix m = LowRankInitializer.ReadWeight(copy, f.Target);
            for (int i = 0; i < m.Rows; i++)
            {
                for (int j = 0; j < m.Cols; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < f.A.Cols; k++)
                    {
                        sum += (double)f.A[i, k] * f.B[k, j];
                    }

                    m[i, j] = (float)(m[i, j] + (scale * sum));
                }
            }

            float[] stored = f.Target.Weight.Transposed ? m.Transpose().Data : m.Data;
            copy.Graph.FindInitializer(f.Target.Weight.Initializer)!.ReplaceData(MemoryMarshal.AsBytes(stored.AsSpan()).ToArray());
        }

        return copy;
    }

    [Fact]
    public void RsLora_AdaptedGraphMergeAndConfig_UseAlphaOverRootR()
    {
        OnnxModel model = TinyModel.Create();
        var options = new LowRankOptions { Method = LowRankMethod.Lora, Rank = 4, Alpha = 3, RsLora = true };
        IReadOnlyList<LowRankTarget> targets = LowRankTargets.Resolve(model, options);
        var factors = targets.Select((t, i) => new AdapterFactors(t, Random(t.InFeatures, 4, 10 + (ulong)i), Random(4, t.OutFeatures, 20 + (ulong)i), LowRankMethod.Lora)).ToList();
        Assert.All(factors, f => Assert.Equal(1.5f, f.Scale));   // 3/√4, not 3/4

        OnnxModel adapted = model.Clone();
        AdaptedGraphWriter.Apply(adapted, factors, new Dictionary<string, Matrix>(), new Dictionary<string, AdapterFactors>());
        OnnxModel reference = WithDeltas(model, factors, 3.0 / Math.Sqrt(4));
        OnnxModel classic = WithDeltas(model, factors, 3.0 / 4);
        float[] x = TinyModel.Input(6);
        float[] want = TinyModel.Run(reference, x);
        Assert.True(TinyModel.MaxAbsDiff(want, TinyModel.Run(adapted, x)) < 1e-4);
        Assert.True(TinyModel.MaxAbsDiff(want, TinyModel.Run(classic, x)) > 1e-2);   // the test can tell the two scalings apart
        Assert.True(TinyModel.MaxAbsDiff(want, TinyModel.Run(AdapterMerger.Merge(adapted).Model, x)) < 1e-4);

        var set = new AdapterSet(factors, null, AdapterConfig.Create(options, targets, "hash"));
        string dir = Path.Combine(Path.GetTempPath(), "rslora-" + Guid.NewGuid().ToString("N"));
        try
        {
            set.Save(dir);
            Assert.Contains("\"use_rslora\": true", File.ReadAllText(Path.Combine(dir, AdapterSet.ConfigFile)), StringComparison.Ordinal);
            AdapterSet back = AdapterSet.Load(dir, model);
            Assert.All(back.Adapters, f => Assert.Equal(1.5f, f.Scale));
            OnnxModel unmerged = AdapterMerging.Unmerge(AdapterMerger.Merge(adapted).Model, back);
            Assert.True(TinyModel.MaxAbsDiff(want, TinyModel.Run(unmerged, x)) < 1e-4);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void RsLora_Pissa_ResidualUsesTheRootScale_AndConversionKeepsIt()
    {
        AdaptedModel adapted = LowRankInitializer.Initialize(TinyModel.Create(), new LowRankOptions { Method = LowRankMethod.Pissa, Rank = 4, Alpha = 2, RsLora = true });
        float[] x = TinyModel.Input(5);
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(TinyModel.Create(), x), TinyModel.Run(adapted.Model, x)) < 1e-4);
        Assert.All(adapted.Adapters.Adapters, f => Assert.Equal(1f, f.Scale));
        Assert.True(adapted.Adapters.Config.UseRsLora);
        AdapterSet converted = AdapterConversion.ToLoraExact(adapted.Adapters).Adapters;
        Assert.All(converted.Adapters, f => Assert.Equal(1f, f.Scale, 1e-6f));   // rank 2r, α·√2
        Assert.All(converted.Adapters, f => Assert.Equal(2f * MathF.Sqrt(2), f.Target.Alpha, 1e-5f));
    }

    [Fact]
    public void Orthogonal_NonZeroFactors_ZeroProduct_OutputAndBaseUnchanged()
    {
        OnnxModel model = TinyModel.Create();
        var options = new LowRankOptions { Method = LowRankMethod.Orthogonal, Rank = 4, Seed = 7 };
        AdaptedModel adapted = LowRankInitializer.Initialize(model, options);
        float[] x = TinyModel.Input(7);
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), TinyModel.Run(adapted.Model, x)) < 1e-6);
        Assert.Equal(model.Graph.FindInitializer("W1")!.ToArray<float>(), adapted.Model.Graph.FindInitializer("W1")!.ToArray<float>());
        Assert.True(adapted.Adapters.Config.Pipelines.BaseUntouched);
        Assert.Equal("orthogonal", adapted.Adapters.Config.InitLoraWeights.GetString());
        foreach (AdapterFactors f in adapted.Adapters.Adapters)
        {
            double na = f.A.FrobeniusNorm();
            double nb = f.B.FrobeniusNorm();
            Assert.True(na > 0.05 && nb > 0.05);
            Assert.True(MatrixOps.Multiply(f.A, f.B).FrobeniusNorm() < 1e-5 * na * nb);

            // A's rows live in span(Q[0::2]) and B's columns in span(Q[1::2]): two orthogonal r/2-dimensional subspaces
            // of ℝʳ that together fill it, so each factor has rank r/2 and (AᵀA)·(BBᵀ) = 0.
            float[] sa = JacobiSvd.SingularValues(f.A);
            float[] sb = JacobiSvd.SingularValues(f.B.Transpose());
            Assert.True(sa[1] > 1e-3 && sa[2] < 1e-5 * sa[0]);
            Assert.True(sb[1] > 1e-3 && sb[2] < 1e-5 * sb[0]);
            Matrix pa = MatrixOps.Multiply(f.A, f.A, transposeA: true);
            Matrix pb = MatrixOps.Multiply(f.B, f.B, transposeB: true);
            Assert.True(MatrixOps.Multiply(pa, pb).FrobeniusNorm() < 1e-5 * pa.FrobeniusNorm() * pb.FrobeniusNorm());
        }

        AdaptedModel again = LowRankInitializer.Initialize(model, options);
        Assert.Equal(adapted.Adapters.Adapters[0].A.Data, again.Adapters.Adapters[0].A.Data);
        AdaptedModel other = LowRankInitializer.Initialize(model, options with { Seed = 8 });
        Assert.NotEqual(adapted.Adapters.Adapters[0].A.Data, other.Adapters.Adapters[0].A.Data);
        Assert.Throws<ArgumentException>(() => LowRankInitializer.Initialize(model, options with { Rank = 3 }));
    }

    private static List<TensorBatch> Calibration(int batches = 3, int rows = 24)
    {
        var list = new List<TensorBatch>();
        for (int b = 0; b < batches; b++)
        {
            float[] x = TinyModel.Input(rows, 100 + (ulong)b);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] *= 1 + (i % TinyModel.In);   // anisotropic inputs: feature k has standard deviation k+1
            }

            list.Add(new TensorBatch().Add("X", x, rows, TinyModel.In));
        }

        return list;
    }

    [Theory]
    [InlineData(LowRankMethod.CordaKpm)]
    [InlineData(LowRankMethod.CordaIpm)]
    public void Corda_ResidualPlusAdapter_IsTheBase(LowRankMethod method)
    {
        OnnxModel model = TinyModel.Create();
        List<TensorBatch> batches = Calibration();
        try
        {
            AdaptedModel adapted = LowRankInitializer.Initialize(model, new LowRankOptions
            {
                Method = method,
                Rank = 2,
                Alpha = 4,
                Corda = new CordaOptions { Batches = batches },
            });
            float[] x = TinyModel.Input(7);
            Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), TinyModel.Run(adapted.Model, x)) < 1e-4);
            Assert.NotEqual(model.Graph.FindInitializer("W1")!.ToArray<float>(), adapted.Model.Graph.FindInitializer("W1")!.ToArray<float>());
            Assert.Equal("corda", adapted.Adapters.Config.InitLoraWeights.GetString());
            Assert.Equal(method == LowRankMethod.CordaKpm ? "kpm" : "ipm", adapted.Adapters.Config.CordaConfig!["corda_method"]);
            OnnxModel merged = AdapterMerger.Merge(adapted.Model).Model;
            Assert.True(TinyModel.MaxAbsDiff(model.Graph.FindInitializer("W1")!.ToArray<float>(), merged.Graph.FindInitializer("W1")!.ToArray<float>()) < 1e-4);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    [Theory]
    [InlineData(LowRankMethod.CordaKpm)]
    [InlineData(LowRankMethod.CordaIpm)]
    public void Corda_AdapterIsTheCovarianceWeightedSvdSplit_BruteForce(LowRankMethod method)
    {
        const int d = 6;
        const int o = 5;
        const int r = 2;
        Matrix m = Random(d, o, 3);
        Matrix x = Random(50, d, 4);
        for (int i = 0; i < x.Rows; i++)
        {
            for (int k = 0; k < d; k++)
            {
                x[i, k] *= 1 + (2 * k);
            }
        }

        // C = XᵀX/n and C' = C + 0.01·mean(diag C)·I in double, inverted by Gauss–Jordan (independent of the Cholesky solve).
        double[,] c = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double s = 0;
                for (int n = 0; n < x.Rows; n++)
                {
                    s += (double)x[n, i] * x[n, j];
                }

                c[i, j] = s / x.Rows;
            }
        }

        double mean = Enumerable.Range(0, d).Average(i => c[i, i]);
        var cm = new Matrix(d, d);
        for (int i = 0; i < d; i++)
        {
            c[i, i] += 0.01 * mean;
            for (int j = 0; j < d; j++)
            {
                cm[i, j] = (float)c[i, j];
            }
        }

        double[,] inv = Invert(c);
        var covariance = new Matrix(d, d);
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                covariance[i, j] = (float)(c[i, j] - (i == j ? 0.01 * mean : 0));
            }
        }

        // Brute force: the full SVD of C'·M; ΔW = C'⁻¹·Σ_{chosen i} σᵢ pᵢ qᵢᵀ with the r smallest (KPM) or largest (IPM).
        SvdResult svd = JacobiSvd.Compute(MatrixOps.Multiply(cm, m));
        int[] chosen = method == LowRankMethod.CordaKpm ? [svd.Rank - 2, svd.Rank - 1] : [0, 1];
        double[,] want = new double[d, o];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < o; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++)
                {
                    foreach (int t in chosen)
                    {
                        s += inv[i, k] * svd.U[k, t] * svd.S[t] * svd.Vt[t, j];
                    }
                }

                want[i, j] = s;
            }
        }

        var weight = new LinearWeight("W", "node", "MatMul", 1, d, o, false, WeightRole.Other, -1, null);
        var target = new LowRankTarget(weight, "node.node", r, 3f);
        FactorResult f = CordaDecomposition.Factors(target, m, covariance, new LowRankOptions { Method = method, Rank = r, Corda = new CordaOptions { Batches = [] } });
        Matrix delta = f.Factors.Delta();
        double err = 0;
        double norm = 0;
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < o; j++)
            {
                err += Math.Pow(delta[i, j] - want[i, j], 2);
                norm += want[i, j] * want[i, j];
            }
        }

        Assert.True(Math.Sqrt(err / norm) < 1e-3, $"relative error {Math.Sqrt(err / norm)}");

        // The covariance matters: with anisotropic inputs the split differs from the plain SVD of M (PiSSA / MiLoRA).
        SvdResult plain = JacobiSvd.Compute(m);
        Matrix plainDelta = MatrixOps.Multiply(
            MatrixOps.Multiply(plain.Slice(chosen[0], r).U, DiagonalOf(plain.Slice(chosen[0], r).S)),
            plain.Slice(chosen[0], r).Vt);
        Assert.True(MatrixOps.DistanceFrobenius(plainDelta.Data, delta.Data) > 1e-2 * delta.FrobeniusNorm());
    }

    private static Matrix DiagonalOf(float[] s)
    {
        var m = new Matrix(s.Length, s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            m[i, i] = s[i];
        }

        return m;
    }

    private static double[,] Invert(double[,] a)
    {
        int n = a.GetLength(0);
        double[,] w = new double[n, 2 * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                w[i, j] = a[i, j];
            }

            w[i, n + i] = 1;
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = Enumerable.Range(col, n - col).MaxBy(i => Math.Abs(w[i, col]));
            for (int j = 0; j < 2 * n; j++)
            {
                (w[col, j], w[pivot, j]) = (w[pivot, j], w[col, j]);
            }

            double p = w[col, col];
            for (int j = 0; j < 2 * n; j++)
            {
                w[col, j] /= p;
            }

            for (int i = 0; i < n; i++)
            {
                if (i != col)
                {
                    double factor = w[i, col];
                    for (int j = 0; j < 2 * n; j++)
                    {
                        w[i, j] -= factor * w[col, j];
                    }
                }
            }
        }

        double[,] inv = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                inv[i, j] = w[i, n + j];
            }
        }

        return inv;
    }
}
