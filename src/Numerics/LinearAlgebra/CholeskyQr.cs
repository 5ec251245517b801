using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Thin QR of a tall-skinny matrix Y (m×ℓ, m ≥ ℓ) by two Cholesky-QR passes (CholeskyQR2, Fukaya et al. 2014):
/// G = YᵀY = R₁ᵀR₁, Q₁ = Y·R₁⁻¹; G₂ = Q₁ᵀQ₁ = R₂ᵀR₂, Q = Q₁·R₂⁻¹, R = R₂·R₁. The products run in the GEMM kernel
/// instead of ℓ²/2 level-1 reflector updates. The first Gram matrix comes from the float GEMM when R₁ shows Y well
/// conditioned (min/max R₁ᵢᵢ ≥ 10⁻²), else it is accumulated in double (exact float products, double sums), which
/// widens the usable range from κ(Y) &lt; ε_f^(−1/2) ≈ 3·10³ to about 10⁵; the second pass then
/// restores orthogonality to float rounding (‖QᵀQ − I‖ = O(ℓ·ε_f) once κ(Q₁) is near 1).
/// </summary>
/// <remarks>
/// Refuses (returns false) when a pivot of either Cholesky factorisation is not positive and finite, when
/// min R₁ᵢᵢ / max R₁ᵢᵢ &lt; 10⁻⁵ (nearly dependent columns), or when Q₁ is visibly not orthonormal (a pivot of R₂
/// outside [0.5, 2]); callers then use <see cref="HouseholderQr"/>, which is backward stable for any input.
/// </remarks>
internal static class CholeskyQr
{
    private const double MinDiagonalRatio = 1e-5;

    // min/max R₁ᵢᵢ below which the float Gram matrix is recomputed in double.
    private const double FloatGramDiagonalRatio = 1e-2;

    // One pass leaves ‖Q₁ᵀQ₁ − I‖ ≈ κ(Y)·ε_f (the double Gram and R add only κ²·ε_d); a basis for the power iterations
    // may stop there while min/max R₁ᵢᵢ (a cheap stand-in for 1/κ) stays above this.
    private const double SinglePassDiagonalRatio = 1e-3;

    /// <summary>Tries Y = Q·R; <paramref name="q"/> is m×ℓ with orthonormal columns, <paramref name="r"/> ℓ×ℓ upper triangular with a positive diagonal.</summary>
    public static bool TryFactor(Matrix y, int maxThreads, [NotNullWhen(true)] out Matrix? q, [NotNullWhen(true)] out Matrix? r) =>
        TryFactor(y, maxThreads, singlePassBasis: false, out q, out r);

    /// <summary>
    /// Tries an orthonormal basis of span(Y) for a subspace (power) iteration, where only the span matters: one pass when
    /// Y is well conditioned (orthonormal to about κ(Y)·ε_f), else two.
    /// </summary>
    public static bool TryBasis(Matrix y, int maxThreads, [NotNullWhen(true)] out Matrix? q) =>
        TryFactor(y, maxThreads, singlePassBasis: true, out q, out _);

    private static bool TryFactor(Matrix y, int maxThreads, bool singlePassBasis, [NotNullWhen(true)] out Matrix? q, out Matrix? r)
    {
        q = null;
        r = null;
        int m = y.Rows;
        int l = y.Cols;
        if (m < l || l == 0)
        {
            return false;
        }

        // The Gram matrix in float first (one GEMM, several times faster than the double accumulation); when its Cholesky
        // factor shows κ(Y) beyond about 10², where float rounding of G (≈ κ²·ε_f) would matter, again in double.
        double[] r1 = GramFloat(y.Data, m, l, maxThreads);
        if (!Cholesky(r1, l) || !WellSeparated(r1, l, FloatGramDiagonalRatio))
        {
            r1 = GramDouble(y.Data, m, l);
            if (!Cholesky(r1, l) || !WellSeparated(r1, l, MinDiagonalRatio))
            {
                return false;
            }
        }

        var q1 = new Matrix(m, l);
        Gemm.Multiply(y.Data, false, InverseUpper(r1, l), false, q1.Data, m, l, l, maxThreads: maxThreads);
        if (singlePassBasis && WellSeparated(r1, l, SinglePassDiagonalRatio))
        {
            q = q1;
            return true;
        }

        // Q₁ is close to orthonormal, so a float Gram matrix (GEMM) is accurate enough for the second pass.
        float[] g2 = new float[l * l];
        Gemm.Multiply(q1.Data, true, q1.Data, false, g2, l, l, m, maxThreads: maxThreads);
        double[] r2 = new double[l * l];
        for (int i = 0; i < r2.Length; i++)
        {
            r2[i] = g2[i];
        }

        if (!Cholesky(r2, l))
        {
            return false;
        }

        for (int i = 0; i < l; i++)
        {
            double d = r2[(i * l) + i];
            if (!(d >= 0.5 && d <= 2.0))
            {
                return false;
            }
        }

        q = new Matrix(m, l);
        Gemm.Multiply(q1.Data, false, InverseUpper(r2, l), false, q.Data, m, l, l, maxThreads: maxThreads);
        // R = R₂·R₁, row by row: R[i, :] = Σ_{p ≥ i} R₂[i, p]·R₁[p, :] (both upper triangular).
        double[] rr = new double[l * l];
        for (int i = 0; i < l; i++)
        {
            Span<double> row = rr.AsSpan((i * l) + i, l - i);
            for (int p = i; p < l; p++)
            {
                Axpy(row[(p - i)..], r2[(i * l) + p], r1.AsSpan((p * l) + p, l - p));
            }
        }

        r = new Matrix(l, l);
        for (int i = 0; i < rr.Length; i++)
        {
            r.Data[i] = (float)rr[i];
        }

        return true;
    }

    // YᵀY (ℓ×ℓ, row-major) by the float GEMM, widened to double.
    private static double[] GramFloat(float[] y, int m, int l, int maxThreads)
    {
        float[] g = new float[l * l];
        Gemm.Multiply(y, true, y, false, g, l, l, m, maxThreads: maxThreads);
        double[] d = new double[l * l];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = g[i];
        }

        return d;
    }

    /// <summary>The upper triangle of YᵀY (ℓ×ℓ, row-major; the strict lower triangle is zero) in double, four rows of Y per pass over G.</summary>
    public static double[] GramDouble(float[] y, int m, int l)
    {
        int w = Vector<double>.Count;
        int lp = (l + w - 1) / w * w;
        double[] g = new double[l * lp];
        double[] t = new double[4 * lp];
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            for (int c = 0; c < 4; c++)
            {
                ReadOnlySpan<float> row = y.AsSpan((i + c) * l, l);
                Span<double> dst = t.AsSpan(c * lp, lp);
                for (int j = 0; j < l; j++)
                {
                    dst[j] = row[j];
                }
            }

            Accumulate(g, t, l, lp, 4);
        }

        for (; i < m; i++)
        {
            Array.Clear(t);
            ReadOnlySpan<float> row = y.AsSpan(i * l, l);
            for (int j = 0; j < l; j++)
            {
                t[j] = row[j];
            }

            Accumulate(g, t, l, lp, 1);
        }

        double[] full = new double[l * l];
        for (int a = 0; a < l; a++)
        {
            for (int b = a; b < l; b++)
            {
                full[(a * l) + b] = g[(a * lp) + b];
            }
        }

        return full;
    }

    // G[a, b] += Σ_c t_c[a]·t_c[b] for b ≥ a rounded down to a vector boundary (the extra entries are never read).
    private static void Accumulate(double[] g, double[] t, int l, int lp, int rows)
    {
        int w = Vector<double>.Count;
        for (int a = 0; a < l; a++)
        {
            int b0 = a / w * w;
            Span<double> ga = g.AsSpan((a * lp) + b0, lp - b0);
            if (rows == 4)
            {
                var x0 = new Vector<double>(t[a]);
                var x1 = new Vector<double>(t[lp + a]);
                var x2 = new Vector<double>(t[(2 * lp) + a]);
                var x3 = new Vector<double>(t[(3 * lp) + a]);
                ReadOnlySpan<double> t0 = t.AsSpan(b0, lp - b0);
                ReadOnlySpan<double> t1 = t.AsSpan(lp + b0, lp - b0);
                ReadOnlySpan<double> t2 = t.AsSpan((2 * lp) + b0, lp - b0);
                ReadOnlySpan<double> t3 = t.AsSpan((3 * lp) + b0, lp - b0);
                for (int b = 0; b < ga.Length; b += w)
                {
                    var acc = new Vector<double>(ga[b..]);
                    acc = Fma.Of(x0, new Vector<double>(t0[b..]), acc);
                    acc = Fma.Of(x1, new Vector<double>(t1[b..]), acc);
                    acc = Fma.Of(x2, new Vector<double>(t2[b..]), acc);
                    acc = Fma.Of(x3, new Vector<double>(t3[b..]), acc);
                    acc.CopyTo(ga[b..]);
                }
            }
            else
            {
                var x0 = new Vector<double>(t[a]);
                ReadOnlySpan<double> t0 = t.AsSpan(b0, lp - b0);
                for (int b = 0; b < ga.Length; b += w)
                {
                    Fma.Of(x0, new Vector<double>(t0[b..]), new Vector<double>(ga[b..])).CopyTo(ga[b..]);
                }
            }
        }
    }

    // In place: the upper triangle of the symmetric positive definite g (upper part given) becomes R with g = RᵀR
    // (right-looking: row j of R, then the trailing rows lose its outer product, as contiguous row updates).
    private static bool Cholesky(double[] g, int l)
    {
        for (int j = 0; j < l; j++)
        {
            double d = g[(j * l) + j];
            if (!(d > 0) || !double.IsFinite(d))
            {
                return false;
            }

            double rjj = Math.Sqrt(d);
            Span<double> rowJ = g.AsSpan((j * l) + j, l - j);
            rowJ[0] = rjj;
            double inv = 1.0 / rjj;
            for (int c = 1; c < rowJ.Length; c++)
            {
                rowJ[c] *= inv;
            }

            for (int i = j + 1; i < l; i++)
            {
                // G[i, i:] −= R[j, i]·R[j, i:]
                Axpy(g.AsSpan((i * l) + i, l - i), -rowJ[i - j], rowJ[(i - j)..]);
            }
        }

        for (int i = 1; i < l; i++)
        {
            Array.Clear(g, i * l, i);
        }

        return true;
    }

    // y += a·x
    private static void Axpy(Span<double> y, double a, ReadOnlySpan<double> x)
    {
        int w = Vector<double>.Count;
        int n = y.Length;
        int i = 0;
        var va = new Vector<double>(a);
        for (; i + w <= n; i += w)
        {
            Fma.Of(va, new Vector<double>(x[i..]), new Vector<double>(y[i..])).CopyTo(y[i..]);
        }

        for (; i < n; i++)
        {
            y[i] += a * x[i];
        }
    }

    private static bool WellSeparated(double[] r, int l, double ratio)
    {
        double max = 0;
        double min = double.PositiveInfinity;
        for (int i = 0; i < l; i++)
        {
            double d = r[(i * l) + i];
            max = Math.Max(max, d);
            min = Math.Min(min, d);
        }

        return min >= ratio * max;
    }

    // R⁻¹ of an upper-triangular R (double), rounded to float, as an ℓ×ℓ row-major array: back substitution by rows,
    // X[i, :] = (e_i − Σ_{p > i} R[i, p]·X[p, :]) / R[i, i], each term a contiguous row update.
    private static float[] InverseUpper(double[] r, int l)
    {
        double[] x = new double[l * l];
        for (int i = l - 1; i >= 0; i--)
        {
            Span<double> row = x.AsSpan((i * l) + i, l - i);
            row[0] = 1.0;
            for (int p = i + 1; p < l; p++)
            {
                Axpy(row[(p - i)..], -r[(i * l) + p], x.AsSpan((p * l) + p, l - p));
            }

            double inv = 1.0 / r[(i * l) + i];
            for (int c = 0; c < row.Length; c++)
            {
                row[c] *= inv;
            }
        }

        float[] f = new float[l * l];
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = (float)x[i];
        }

        return f;
    }
}
