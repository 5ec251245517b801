using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Exact thin SVD for small and medium matrices: Householder QR of the tall side, then one-sided (Hestenes) Jacobi
/// on the square factor. Jacobi rotations orthogonalise pairs of columns of M (kept as contiguous rows of Mᵀ) until
/// every pair satisfies |gᵢ·gⱼ| ≤ tol·‖gᵢ‖‖gⱼ‖; then M·V = U·Σ. One-sided Jacobi keeps small singular values to high
/// relative accuracy, which the minor-component initialisers (MiLoRA) rely on.
/// </summary>
public static class JacobiSvd
{
    /// <summary>Most sweeps before giving up (converged matrices of size 1024 need about 10).</summary>
    public const int MaxSweeps = 60;

    // Unit roundoff of float, used for the pair test tol = √len·ε (as LAPACK sgesvj).
    private const float ConvergenceEpsilon = 1.2e-7f;

    /// <summary>The thin SVD of <paramref name="a"/> (m×n): U m×k, S k, Vᵀ k×n with k = min(m, n), signs fixed.</summary>
    /// <exception cref="ArgumentException"><paramref name="a"/> has a NaN or infinite entry (named by row and column).</exception>
    public static SvdResult Compute(Matrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckFinite(a);
        if (a.Rows < a.Cols)
        {
            // Aᵀ = U′ΣV′ᵀ ⇒ A = V′ΣU′ᵀ.
            SvdResult t = Compute(a.Transpose());
            var r = new SvdResult(t.Vt.Transpose(), t.S, t.U.Transpose());
            r.FixSigns();
            return r;
        }

        int m = a.Rows;
        int n = a.Cols;
        Matrix? qt = null;
        Matrix work;
        if (m > n)
        {
            qt = HouseholderQr.FactorTransposed(a, out Matrix rr);
            work = rr;
        }
        else
        {
            work = a;
        }

        // G = Mᵀ (n rows of length n′); Vᵀ starts at I and receives the same rotations.
        Matrix g = work.Transpose();
        Matrix vt = Matrix.Identity(n);
        Orthogonalize(g, vt);
        float[] s = new float[n];
        for (int i = 0; i < n; i++)
        {
            s[i] = (float)MatrixOps.FrobeniusNorm(g.Row(i));
        }

        int[] order = Enumerable.Range(0, n).OrderByDescending(i => s[i]).ToArray();
        int len = g.Cols;
        var uWork = new Matrix(len, n);
        var vtSorted = new Matrix(n, n);
        float[] sSorted = new float[n];
        for (int c = 0; c < n; c++)
        {
            int i = order[c];
            sSorted[c] = s[i];
            float inv = s[i] > 0 ? 1f / s[i] : 0f;
            Span<float> row = g.Row(i);
            for (int p = 0; p < len; p++)
            {
                uWork[p, c] = row[p] * inv;
            }

            vt.Row(i).CopyTo(vtSorted.Row(c));
        }

        // U = Q·U_R when the tall side was factored first (Qᵀ is n×m).
        Matrix u = qt is null ? uWork : MatrixOps.Multiply(qt, uWork, transposeA: true);
        var result = new SvdResult(u, sSorted, vtSorted);
        result.FixSigns();
        return result;
    }

    /// <summary>Singular values of <paramref name="a"/> only (descending), without accumulating vectors.</summary>
    /// <exception cref="ArgumentException"><paramref name="a"/> has a NaN or infinite entry.</exception>
    public static float[] SingularValues(Matrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckFinite(a);
        Matrix src = a.Rows < a.Cols ? a.Transpose() : a;
        Matrix work = src;
        if (src.Rows > src.Cols)
        {
            _ = HouseholderQr.FactorTransposed(src, out Matrix r);
            work = r;
        }

        Matrix g = work.Transpose();
        Orthogonalize(g, null);
        float[] s = new float[g.Rows];
        for (int i = 0; i < g.Rows; i++)
        {
            s[i] = (float)MatrixOps.FrobeniusNorm(g.Row(i));
        }

        Array.Sort(s, (x, y) => y.CompareTo(x));
        return s;
    }

    private static void CheckFinite(Matrix a)
    {
        int bad = Array.FindIndex(a.Data, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            throw new ArgumentException($"The {a.Rows}x{a.Cols} matrix has a non-finite entry {a.Data[bad]} at ({bad / a.Cols}, {bad % a.Cols}); an SVD needs finite values.", nameof(a));
        }
    }

    // Cyclic one-sided Jacobi on the rows of g; the same rotations are applied to the rows of vt when given.
    private static void Orthogonalize(Matrix g, Matrix? vt)
    {
        int n = g.Rows;
        int len = g.Cols;
        float tol = MathF.Sqrt(len) * ConvergenceEpsilon;
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            bool rotated = false;
            for (int i = 0; i < n - 1; i++)
            {
                Span<float> gi = g.Row(i);
                for (int j = i + 1; j < n; j++)
                {
                    Span<float> gj = g.Row(j);
                    (float alpha, float beta, float gamma) = Dot3(gi, gj);
                    if (alpha == 0f || beta == 0f || MathF.Abs(gamma) <= tol * MathF.Sqrt(alpha) * MathF.Sqrt(beta))
                    {
                        continue;
                    }

                    rotated = true;
                    double zeta = ((double)beta - alpha) / (2.0 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1.0 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1.0 + (zeta * zeta)));
                    double c = 1.0 / Math.Sqrt(1.0 + (t * t));
                    float cf = (float)c;
                    float sf = (float)(c * t);
                    Rotate(gi, gj, cf, sf);
                    if (vt is not null)
                    {
                        Rotate(vt.Row(i), vt.Row(j), cf, sf);
                    }
                }
            }

            if (!rotated)
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Alpha, float Beta, float Gamma) Dot3(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int w = Vector<float>.Count;
        var va = Vector<float>.Zero;
        var vb = Vector<float>.Zero;
        var vg = Vector<float>.Zero;
        int p = 0;
        for (; p <= x.Length - w; p += w)
        {
            var a = new Vector<float>(x[p..]);
            var b = new Vector<float>(y[p..]);
            va = Fma.Of(a, a, va);
            vb = Fma.Of(b, b, vb);
            vg = Fma.Of(a, b, vg);
        }

        float sa = Vector.Sum(va);
        float sb = Vector.Sum(vb);
        float sg = Vector.Sum(vg);
        for (; p < x.Length; p++)
        {
            sa += x[p] * x[p];
            sb += y[p] * y[p];
            sg += x[p] * y[p];
        }

        return (sa, sb, sg);
    }

    // [x; y] ← [c·x − s·y; s·x + c·y].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rotate(Span<float> x, Span<float> y, float c, float s)
    {
        int w = Vector<float>.Count;
        var vc = new Vector<float>(c);
        var vs = new Vector<float>(s);
        int p = 0;
        for (; p <= x.Length - w; p += w)
        {
            var a = new Vector<float>(x[p..]);
            var b = new Vector<float>(y[p..]);
            ((vc * a) - (vs * b)).CopyTo(x[p..]);
            ((vs * a) + (vc * b)).CopyTo(y[p..]);
        }

        for (; p < x.Length; p++)
        {
            float a = x[p];
            float b = y[p];
            x[p] = (c * a) - (s * b);
            y[p] = (s * a) + (c * b);
        }
    }
}
