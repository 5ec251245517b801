using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>The factors of one target and the diagnostics of computing them.</summary>
internal sealed record FactorResult(AdapterFactors Factors, double OptimalRelError, double ErrorBound, int PowerIterations)
{
    /// <summary>The base to write instead of W − s·A·B (LoftQ: the dequantized weight Q), or null.</summary>
    public Matrix? Residual { get; init; }

    /// <summary>The reported relative error when it is not ‖W − s·A·B‖/‖W‖ (LoftQ: ‖W − (Q + s·A·B)‖/‖W‖), or NaN.</summary>
    public double RelError { get; init; } = double.NaN;

    /// <summary>‖W‖_F when the method computed it (the randomized SVD does), or NaN.</summary>
    public double Norm { get; init; } = double.NaN;
}

/// <summary>
/// Computes A (in×r) and B (r×out) for one weight M (in×out, ONNX layout; nn.Linear's W = Mᵀ) by a weight-driven
/// method. PiSSA: M = P·Σ·Qᵀ, A = P_r·√(Σ_r/s), B = √(Σ_r/s)·Q_rᵀ so that s·A·B = P_r·Σ_r·Q_rᵀ for any α (peft divides
/// S by s the same way).
/// </summary>
internal static class FactorInitializer
{
    public static FactorResult Compute(LowRankTarget target, Matrix m, LowRankOptions options, int innerThreads, DampedCovariance? covariance = null)
    {
        ulong seed = Seed(options, target);
        return options.Method switch
        {
            LowRankMethod.Lora => Lora(target, seed),
            LowRankMethod.Pissa when options.QuantizeBase => LoftQDecomposition.QPissa(target, m, options.LoftQ!).Result,
            LowRankMethod.Pissa => ExactSvd(target, m, minor: false),
            LowRankMethod.MiLora => ExactSvd(target, m, minor: true),
            LowRankMethod.PissaFast => Fast(target, m, options, seed, innerThreads),
            LowRankMethod.OLora => OLora(target, m, options),
            LowRankMethod.Orthogonal => Orthogonal(target, seed),
            LowRankMethod.LoftQ => LoftQDecomposition.Factors(target, m, options.LoftQ!, options.QuantizeBase).Result,
            LowRankMethod.CordaKpm or LowRankMethod.CordaIpm => CordaDecomposition.Factors(
                target, m, covariance ?? throw new ArgumentException("CorDA needs the target's input covariance.", nameof(covariance)), options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Method, "This method is not weight-driven."),
        };
    }

    /// <summary>The target's seed: the options' seed mixed with a hash of the module name.</summary>
    public static ulong Seed(LowRankOptions options, LowRankTarget target) => options.Seed ^ StableHash(target.Module);

    // FNV-1a over the module name: per-target seeds that do not depend on which other targets were selected.
    public static ulong StableHash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    private static FactorResult Lora(LowRankTarget t, ulong seed)
    {
        // peft: kaiming_uniform_(lora_A.weight, a=√5) ⇒ U(−1/√in, 1/√in); lora_B = 0.
        var a = new Matrix(t.InFeatures, t.Rank);
        var rng = new GaussianSampler(seed);
        float bound = 1f / MathF.Sqrt(t.InFeatures);
        for (int i = 0; i < a.Data.Length; i++)
        {
            a.Data[i] = (float)(((2.0 * rng.NextUniform()) - 1.0) * bound);
        }

        return new FactorResult(new AdapterFactors(t, a, new Matrix(t.Rank, t.OutFeatures), LowRankMethod.Lora), double.NaN, double.NaN, 0);
    }

    // peft orthogonal_init: Q = qr(randn(r, r)).Q; lora_A = (randn(in, r/2)·Q[0::2])ᵀ/10, lora_B = randn(out, r/2)·Q[1::2]/10.
    // ONNX layout: A = G_A·Q_even/10 (in×r), B = Q_oddᵀ·G_Bᵀ/10 (r×out); A·B = G_A·(Q_even·Q_oddᵀ)·G_Bᵀ/100 = 0.
    private static FactorResult Orthogonal(LowRankTarget t, ulong seed)
    {
        int r = t.Rank;
        if (r % 2 != 0)
        {
            throw new ArgumentException($"Orthogonal init needs an even rank; {t.Module} has rank {r}.", nameof(t));
        }

        int h = r / 2;
        var rng = new GaussianSampler(seed);
        var g = new Matrix(r, r);
        rng.Fill(g.Data);
        Matrix q = HouseholderQr.Factor(g).Q;
        var even = new Matrix(h, r);
        var odd = new Matrix(h, r);
        for (int j = 0; j < h; j++)
        {
            q.Row(2 * j).CopyTo(even.Row(j));
            q.Row((2 * j) + 1).CopyTo(odd.Row(j));
        }

        var ga = new Matrix(t.InFeatures, h);
        rng.Fill(ga.Data);
        var gb = new Matrix(t.OutFeatures, h);
        rng.Fill(gb.Data);
        Matrix a = MatrixOps.Multiply(ga, even);
        Matrix b = MatrixOps.Multiply(odd, gb, transposeA: true, transposeB: true);
        System.Numerics.Tensors.TensorPrimitives.Multiply(a.Data, 0.1f, a.Data);
        System.Numerics.Tensors.TensorPrimitives.Multiply(b.Data, 0.1f, b.Data);
        return new FactorResult(new AdapterFactors(t, a, b, LowRankMethod.Orthogonal), double.NaN, double.NaN, 0);
    }

    private static FactorResult ExactSvd(LowRankTarget t, Matrix m, bool minor)
    {
        SvdResult svd = JacobiSvd.Compute(m);
        int r = t.Rank;
        int k = svd.Rank;
        int start = minor ? k - r : 0;
        (Matrix a, Matrix b) = Split(svd.Slice(start, r), t.Scale);
        double norm = m.FrobeniusNorm();
        double optimal = norm > 0 ? Math.Sqrt(svd.S.Skip(r).Sum(x => (double)x * x)) / norm : 0;
        double bound = minor ? svd.S[0] : (r < k ? svd.S[r] : 0);
        LowRankMethod method = minor ? LowRankMethod.MiLora : LowRankMethod.Pissa;
        return new FactorResult(new AdapterFactors(t, a, b, method), optimal, bound, 0);
    }

    private static FactorResult Fast(LowRankTarget t, Matrix m, LowRankOptions options, ulong seed, int innerThreads) =>
        Fast(t, m.Data, options, seed, innerThreads);

    /// <summary>PiSSA-fast factors of the in×out weight <paramref name="m"/> (only read).</summary>
    public static FactorResult Fast(LowRankTarget t, ReadOnlySpan<float> m, LowRankOptions options, ulong seed, int innerThreads)
    {
        RandomizedSvdResult r = RandomizedSvd.Compute(m, t.InFeatures, t.OutFeatures, new RandomizedSvdOptions
        {
            Rank = t.Rank,
            Oversampling = options.Oversampling,
            PowerIterations = options.PowerIterations,
            MaxPowerIterations = Math.Max(1, options.PowerIterations),
            Tolerance = options.Tolerance,
            RangeFinder = options.RangeFinder,
            Seed = seed,
            BoundProbes = options.BoundProbes,
            MaxThreads = innerThreads,
        });
        (Matrix a, Matrix b) = Split(r.Svd, t.Scale);
        double optimal = double.NaN;
        if (options.ReportOptimalError)
        {
            float[] s = JacobiSvd.SingularValues(Matrix.FromSpan(t.InFeatures, t.OutFeatures, m));
            optimal = r.Norm > 0 ? Math.Sqrt(s.Skip(t.Rank).Sum(x => (double)x * x)) / r.Norm : 0;
        }

        return new FactorResult(new AdapterFactors(t, a, b, LowRankMethod.PissaFast), optimal, r.SpectralErrorBound, r.PowerIterations) { Norm = r.Norm };
    }

    private static FactorResult OLora(LowRankTarget t, Matrix m, LowRankOptions options)
    {
        // nn.Linear W = Mᵀ (out×in) = Q·R; peft: lora_B = Q[:, :r], lora_A = R[:r, :] (no division by s).
        Matrix w = m.Transpose();
        int outF = w.Rows;
        int inF = w.Cols;
        Matrix q;
        Matrix rFull;
        if (outF >= inF)
        {
            QrFactorization qr = HouseholderQr.Factor(w);
            q = qr.Q;
            rFull = qr.R;
        }
        else
        {
            q = HouseholderQr.Factor(w.Columns(0, outF)).Q;
            rFull = MatrixOps.Multiply(q, w, transposeA: true);
        }

        int r = t.Rank;
        Matrix a = rFull.RowRange(0, r).Transpose();   // in×r
        Matrix b = q.Columns(0, r).Transpose();        // r×out
        double optimal = double.NaN;
        if (options.ReportOptimalError)
        {
            float[] s = JacobiSvd.SingularValues(m);
            double norm = m.FrobeniusNorm();
            optimal = norm > 0 ? Math.Sqrt(s.Skip(r).Sum(x => (double)x * x)) / norm : 0;
        }

        return new FactorResult(new AdapterFactors(t, a, b, LowRankMethod.OLora), optimal, double.NaN, 0);
    }

    // A = U·√(S/s) (in×r), B = √(S/s)·Vᵀ (r×out).
    internal static (Matrix A, Matrix B) Split(SvdResult svd, float scale) => QPissaDecomposition.Split(svd, scale);
}
