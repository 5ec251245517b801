using System.Numerics.Tensors;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>A thin QR factorisation <c>A = Q·R</c>: Q m×n with orthonormal columns, R n×n upper triangular.</summary>
/// <param name="Q">Q, m×n.</param>
/// <param name="R">R, n×n upper triangular.</param>
public sealed record QrFactorization(Matrix Q, Matrix R);

/// <summary>
/// Householder QR of a tall matrix (m ≥ n). Works on the columns as contiguous rows of the transpose, so every
/// reflector application is a vectorised dot product and AXPY: <c>H = I − β·v·vᵀ</c>, <c>β = 2/(vᵀv)</c>.
/// </summary>
public static class HouseholderQr
{
    /// <summary>Factors <paramref name="a"/> (m×n, m ≥ n) into a thin Q (m×n) and R (n×n).</summary>
    /// <exception cref="ArgumentException">m &lt; n.</exception>
    public static QrFactorization Factor(Matrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Matrix qt = FactorTransposed(a, out Matrix r);
        return new QrFactorization(qt.Transpose(), r);
    }

    /// <summary>
    /// Factors <paramref name="a"/> (m×n, m ≥ n) and returns Qᵀ (n×m, rows orthonormal) and R; avoids a transpose
    /// when the caller wants the columns of Q contiguous.
    /// </summary>
    /// <exception cref="ArgumentException">m &lt; n.</exception>
    public static Matrix FactorTransposed(Matrix a, out Matrix r)
    {
        ArgumentNullException.ThrowIfNull(a);
        int m = a.Rows;
        int n = a.Cols;
        if (m < n)
        {
            throw new ArgumentException($"Thin QR needs rows ≥ columns; got a {m}x{n} matrix.", nameof(a));
        }

        // Columns of A as rows of at (n×m); the reflector vectors overwrite the subdiagonal part.
        float[] at = new float[n * m];
        MatrixOps.Transpose(a.Data, m, n, at);
        float[] betas = new float[n];
        r = new Matrix(n, n);
        for (int j = 0; j < n; j++)
        {
            Span<float> x = at.AsSpan((j * m) + j, m - j);
            float scale = MathF.Abs(TensorPrimitives.MaxMagnitude(x));
            if (scale == 0f)
            {
                betas[j] = 0f;
                r[j, j] = 0f;
                continue;
            }

            // The reflector depends only on the direction of x: build it from x / max|x| so that vᵀv ≥ 1 and β = 2/(vᵀv)
            // stay finite for columns as small as denormals (rank-deficient inputs leave residual columns of ~1e-20,
            // whose squares underflow float; 2/vᵀv was then infinite and Q, R became NaN).
            TensorPrimitives.Divide(x, scale, x);
            float norm = (float)MatrixOps.FrobeniusNorm(x);

            // alpha = −sign(x₀)·‖x‖ avoids cancellation in v₀ = x₀ − alpha.
            float alpha = x[0] >= 0 ? -norm : norm;
            x[0] -= alpha;
            float beta = 2f / TensorPrimitives.Dot(x, x);
            betas[j] = beta;
            r[j, j] = alpha * scale;
            for (int l = j + 1; l < n; l++)
            {
                Span<float> col = at.AsSpan((l * m) + j, m - j);
                float f = -beta * TensorPrimitives.Dot(x, col);
                TensorPrimitives.MultiplyAdd(x, f, col, col);
                r[j, l] = col[0];
            }
        }

        // Q = H₀·H₁·…·H_{n−1}·[I; 0], accumulated backwards on the rows of Qᵀ.
        var qt = new Matrix(n, m);
        for (int i = 0; i < n; i++)
        {
            qt.Data[(i * m) + i] = 1f;
        }

        for (int j = n - 1; j >= 0; j--)
        {
            float beta = betas[j];
            if (beta == 0f)
            {
                continue;
            }

            ReadOnlySpan<float> v = at.AsSpan((j * m) + j, m - j);
            for (int l = j; l < n; l++)
            {
                Span<float> col = qt.Data.AsSpan((l * m) + j, m - j);
                float f = -beta * TensorPrimitives.Dot(v, col);
                TensorPrimitives.MultiplyAdd(v, f, col, col);
            }
        }

        return qt;
    }
}
