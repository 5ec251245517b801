using System.Numerics.Tensors;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// QPiSSA's alternation (PiSSA paper, Alg. 1) for one weight W (in×out), with the caller's quantizer in the loop:
/// <code>
/// res ← W
/// repeat T times:
///     P·S·Vᵀ ← SVD_r(res)                  // the first pass is plain PiSSA
///     A ← P·√(S/s),  B ← √(S/s)·Vᵀ
///     W_res ← W − s·A·B
///     res ← W − deq(quant(W_res))          // the next SVD absorbs the quantization error
/// </code>
/// errorₜ = ‖W − (deq(quant(W_res)) + s·A·B)‖_F = ‖W_res − deq(quant(W_res))‖_F. The one implementation behind
/// <c>lora init --method pissa --quantize-base</c> and the export-side QPiSSA initializer.
/// </summary>
public static class QPissaDecomposition
{
    /// <summary>Runs the alternation.</summary>
    /// <param name="w">W, shape (in, out).</param>
    /// <param name="rank">r.</param>
    /// <param name="scale">s (adapter scale α/r).</param>
    /// <param name="iterations">T ≥ 1.</param>
    /// <param name="roundTrip">deq(quant(·)); must keep the shape.</param>
    /// <returns>A (in×r), B (r×out), W_res, deq(quant(W_res)) and the error of every pass.</returns>
    /// <exception cref="InvalidOperationException">The quantizer changed the shape.</exception>
    public static QPissaFactors Decompose(Matrix w, int rank, float scale, int iterations, Func<Matrix, Matrix> roundTrip)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(roundTrip);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        Matrix res = w;
        Matrix a = null!, b = null!, residual = null!, quantized = null!;
        var errors = new double[iterations];
        for (int it = 0; it < iterations; it++)
        {
            SvdResult svd = JacobiSvd.Compute(res.Clone()).Slice(0, rank);
            (a, b) = Split(svd, scale);
            residual = w.Clone();
            Gemm.Multiply(a.Data, false, b.Data, false, residual.Data, w.Rows, w.Cols, rank, alpha: -scale, beta: 1f);
            quantized = roundTrip(residual);
            if (quantized.Rows != w.Rows || quantized.Cols != w.Cols)
            {
                throw new InvalidOperationException($"The QPiSSA quantizer returned {quantized.Rows}x{quantized.Cols} for a {w.Rows}x{w.Cols} weight.");
            }

            errors[it] = MatrixOps.DistanceFrobenius(residual.Data, quantized.Data);
            res = w.Clone();
            TensorPrimitives.Subtract(res.Data, quantized.Data, res.Data);
        }

        return new QPissaFactors(a, b, residual, quantized, errors);
    }

    /// <summary>A = U·√(S/s), B = √(S/s)·Vᵀ (PiSSA's split of the principal part, divided by s so s·A·B = U·S·Vᵀ).</summary>
    /// <param name="svd">The truncated SVD.</param>
    /// <param name="scale">s.</param>
    /// <returns>A and B.</returns>
    public static (Matrix A, Matrix B) Split(SvdResult svd, float scale)
    {
        ArgumentNullException.ThrowIfNull(svd);
        Matrix a = svd.U.Clone();
        Matrix b = svd.Vt.Clone();
        for (int j = 0; j < svd.Rank; j++)
        {
            float f = MathF.Sqrt(svd.S[j] / scale);
            for (int i = 0; i < a.Rows; i++)
            {
                a[i, j] *= f;
            }

            Span<float> row = b.Row(j);
            TensorPrimitives.Multiply(row, f, row);
        }

        return (a, b);
    }
}

/// <summary>The result of <see cref="QPissaDecomposition.Decompose"/>.</summary>
/// <param name="A">A, (in, r).</param>
/// <param name="B">B, (r, out).</param>
/// <param name="Residual">W_res = W − s·A·B of the last pass, in float (quantizing it gives <paramref name="DequantizedResidual"/>).</param>
/// <param name="DequantizedResidual">deq(quant(W_res)).</param>
/// <param name="Errors">‖W − (deq(quant(W_res)) + s·A·B)‖_F per pass.</param>
public sealed record QPissaFactors(Matrix A, Matrix B, Matrix Residual, Matrix DequantizedResidual, double[] Errors);
