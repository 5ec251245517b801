using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// LoftQ (Li et al. 2023, Alg. 1; peft <c>utils/loftq_utils.py::loftq_init</c>) for one weight M (in×out):
/// <code>
/// res ← M
/// repeat T times:
///     Q ← deq(quant(res))                  // the first pass quantizes M itself
///     P·S·Vᵀ ← SVD_r(M − Q)                 // exact thin SVD, top r triplets
///     A ← P·√(S/s),  B ← √(S/s)·Vᵀ          // A in×r, B r×out: s·A·B = P_r·S_r·V_rᵀ
///     res ← M − s·A·B
/// </code>
/// The base becomes Q (dequantized, float) and M ≈ Q + s·A·B. Unlike peft (#1982) the factors are divided by s, so the
/// approximation holds for any α. errorₜ = ‖M − (Qₜ + s·Aₜ·Bₜ)‖_F is recorded per pass.
/// With a quantized base (<see cref="LowRankOptions.QuantizeBase"/>) the written base is the float input of
/// the last quantization, so the caller's quantizer turns it into exactly the codes behind Q.
/// </summary>
internal static class LoftQDecomposition
{
    public static (FactorResult Result, double[] Errors) Factors(LowRankTarget t, Matrix m, LoftQOptions loftq, bool quantizedBase = false)
    {
        int r = t.Rank;
        Matrix res = m;
        Matrix q = null!;
        Matrix a = null!;
        Matrix b = null!;
        Matrix quantized = m;
        double[] errors = new double[loftq.Iterations];
        for (int it = 0; it < loftq.Iterations; it++)
        {
            quantized = res;
            q = loftq.RoundTrip(res);
            if (q.Rows != m.Rows || q.Cols != m.Cols)
            {
                throw new InvalidOperationException($"The LoftQ quantizer returned {q.Rows}x{q.Cols} for {t.Module} ({m.Rows}x{m.Cols}).");
            }

            Matrix diff = m.Clone();
            System.Numerics.Tensors.TensorPrimitives.Subtract(diff.Data, q.Data, diff.Data);
            SvdResult svd = JacobiSvd.Compute(diff).Slice(0, r);
            (a, b) = FactorInitializer.Split(svd, t.Scale);
            res = m.Clone();
            Gemm.Multiply(a.Data, false, b.Data, false, res.Data, m.Rows, m.Cols, r, alpha: -t.Scale, beta: 1f);

            // M − (Q + s·A·B) = res − Q.
            errors[it] = MatrixOps.DistanceFrobenius(res.Data, q.Data);
        }

        double norm = m.FrobeniusNorm();
        var result = new FactorResult(new AdapterFactors(t, a, b, LowRankMethod.LoftQ), double.NaN, double.NaN, 0)
        {
            Residual = quantizedBase ? quantized : q,
            RelError = norm > 0 ? errors[^1] / norm : 0,
        };
        return (result, errors);
    }

    /// <summary>
    /// QPiSSA (PiSSA paper, Alg. 1; <see cref="QPissaDecomposition"/>) for one weight M (in×out) with the caller's
    /// quantizer in the loop. The written base is W_res in float; quantizing it with the same quantizer gives the Q the
    /// loop saw.
    /// </summary>
    public static (FactorResult Result, double[] Errors) QPissa(LowRankTarget t, Matrix m, LoftQOptions quantizer)
    {
        QPissaFactors f = QPissaDecomposition.Decompose(m, t.Rank, t.Scale, quantizer.Iterations, quantizer.RoundTrip);
        double norm = m.FrobeniusNorm();
        var result = new FactorResult(new AdapterFactors(t, f.A, f.B, LowRankMethod.Pissa), double.NaN, double.NaN, 0)
        {
            Residual = f.Residual,
            RelError = norm > 0 ? f.Errors[^1] / norm : 0,
        };
        return (result, f.Errors);
    }
}
