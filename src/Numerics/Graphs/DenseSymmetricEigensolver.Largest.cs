using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Numerics.Graphs;

/// <summary>
/// The top eigenpairs of a small dense symmetric matrix, in float64 and vectorised along contiguous rows: Householder
/// tridiagonalisation A = Q·T·Qᵀ (row-major, rank-2 trailing updates), implicit QL with Wilkinson's shift on T (the
/// plane rotations of one sweep applied to Yᵀ in a single fused pass), then only the k wanted eigenvectors of T go back
/// through the reflectors (x = Q·y). Cost ≈ 2n³ + 6n³ + 2n²k flops; for n ≲ 200 it replaces the one-sided Jacobi SVD of
/// a symmetric positive semi-definite matrix and MathNet's full decomposition in the randomized SVD's Ritz steps.
/// </summary>
internal static partial class DenseSymmetricEigensolver
{
    // QL sweeps per eigenvalue before giving up (LAPACK's dsteqr allows 30).
    private const int MaxSweepsPerValue = 60;

    /// <summary>
    /// The <paramref name="k"/> largest eigenvalues (descending, ties by position on T's diagonal) of the row-major
    /// symmetric <c>n×n</c> <paramref name="matrix"/> and their eigenvectors.
    /// </summary>
    /// <param name="matrix">Row-major symmetric matrix; overwritten (it holds the Householder vectors afterwards).</param>
    /// <param name="n">Its order.</param>
    /// <param name="k">Eigenpairs wanted, 0 ≤ k ≤ n.</param>
    /// <param name="values">The k largest eigenvalues, descending.</param>
    /// <param name="vectors">Row-major <c>(n, k)</c>: column t is the unit eigenvector of <c>values[t]</c>.</param>
    /// <exception cref="ArgumentException">A span is too short, or k is out of range.</exception>
    /// <exception cref="ArithmeticException">The QL iteration did not converge (non-finite input).</exception>
    public static void Largest(Span<double> matrix, int n, int k, Span<double> values, Span<double> vectors)
    {
        if (n < 0 || k < 0 || k > n || matrix.Length < n * n || values.Length < k || vectors.Length < n * k)
        {
            throw new ArgumentException($"Largest({k}) of an order-{n} matrix needs k ≤ n, {n * n} matrix, {k} value and {n * k} vector elements.", nameof(matrix));
        }

        if (n == 0 || k == 0)
        {
            return;
        }

        double[] work = ArrayPool<double>.Shared.Rent((n * n) + (6 * n));
        try
        {
            Span<double> zt = work.AsSpan(0, n * n); // row r: T's eigenvector for d[r]
            Span<double> d = work.AsSpan(n * n, n);
            Span<double> e = work.AsSpan((n * n) + n, n);
            Span<double> beta = work.AsSpan((n * n) + (2 * n), n);
            Span<double> scratch = work.AsSpan((n * n) + (3 * n), 3 * n);
            Tridiagonalize(matrix, n, d, e, beta, scratch);
            zt.Clear();
            for (int i = 0; i < n; i++)
            {
                zt[(i * n) + i] = 1.0;
            }

            if (!TridiagonalQl(d, e, zt, n, scratch[..(2 * n)]))
            {
                throw new ArithmeticException($"The symmetric QL iteration did not converge on an order-{n} matrix (non-finite entries?).");
            }

            // The k largest by a stable selection (ties keep T's order, so the result is deterministic).
            Span<int> order = n <= 512 ? stackalloc int[n] : new int[n];
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
            }

            for (int t = 0; t < k; t++)
            {
                int best = t;
                for (int i = t + 1; i < n; i++)
                {
                    if (d[order[i]] > d[order[best]])
                    {
                        best = i;
                    }
                }

                int chosen = order[best];
                for (int i = best; i > t; i--)
                {
                    order[i] = order[i - 1];
                }

                order[t] = chosen;
                values[t] = d[chosen];
                ReadOnlySpan<double> y = zt.Slice(chosen * n, n);
                for (int row = 0; row < n; row++)
                {
                    vectors[(row * k) + t] = y[row];
                }
            }

            BackTransform(matrix, n, k, beta, vectors, scratch[..k]);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(work);
        }
    }

    /// <summary>
    /// <see cref="Largest(Span{double}, int, int, Span{double}, Span{double})"/> with the eigenvectors rounded to float, as
    /// the randomized SVD's Rayleigh–Ritz steps multiply them (float GEMMs).
    /// </summary>
    /// <param name="matrix">Row-major symmetric matrix; overwritten.</param>
    /// <param name="n">Its order.</param>
    /// <param name="k">Eigenpairs wanted, 0 ≤ k ≤ n.</param>
    /// <param name="values">The k largest eigenvalues, descending.</param>
    /// <param name="vectors">Row-major <c>(n, k)</c>: column t is the unit eigenvector of <c>values[t]</c>.</param>
    public static void Largest(Span<double> matrix, int n, int k, Span<double> values, Span<float> vectors)
    {
        if (n < 0 || k < 0 || vectors.Length < n * k)
        {
            throw new ArgumentException($"Largest({k}) of an order-{n} matrix needs {n * k} vector elements.", nameof(vectors));
        }

        double[] exact = ArrayPool<double>.Shared.Rent(n * k);
        try
        {
            Span<double> v = exact.AsSpan(0, n * k);
            Largest(matrix, n, k, values, v);
            for (int i = 0; i < v.Length; i++)
            {
                vectors[i] = (float)v[i];
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(exact);
        }
    }

    // A = Q·T·Qᵀ, T = tridiag(e, d, e) with e[j] = T[j, j+1]; reflector j (H = I − β·v·vᵀ on indices j+1…) is stored in
    // row j of a, right of the diagonal. The trailing block is updated in full (both triangles) as row updates.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tridiagonalize(Span<double> a, int n, Span<double> d, Span<double> e, Span<double> beta, Span<double> scratch)
    {
        beta.Clear();
        for (int j = 0; j < n - 2; j++)
        {
            int m = n - j - 1;
            d[j] = a[(j * n) + j];
            Span<double> v = a.Slice((j * n) + j + 1, m);
            double x0 = v[0];
            double tail = TensorPrimitives.Dot<double>(v[1..], v[1..]);
            if (tail == 0)
            {
                e[j] = x0;
                continue;
            }

            double norm = Math.Sqrt((x0 * x0) + tail);
            double alpha = x0 > 0 ? -norm : norm;
            v[0] = x0 - alpha;
            double b = 2.0 / ((v[0] * v[0]) + tail);
            beta[j] = b;
            e[j] = alpha;

            // p = β·A₂₂·v, w = p − (β/2)(pᵀv)·v, A₂₂ ← A₂₂ − v·wᵀ − w·vᵀ.
            Span<double> w = scratch[..m];
            int offset = ((j + 1) * n) + j + 1;
            for (int i = 0; i < m; i++)
            {
                w[i] = b * TensorPrimitives.Dot<double>(a.Slice(offset + (i * n), m), v);
            }

            double kk = 0.5 * b * TensorPrimitives.Dot<double>(w, v);
            for (int i = 0; i < m; i++)
            {
                w[i] -= kk * v[i];
            }

            for (int i = 0; i < m; i++)
            {
                Rank2Row(a.Slice(offset + (i * n), m), v[i], w, w[i], v);
            }
        }

        if (n >= 2)
        {
            d[n - 2] = a[((n - 2) * n) + n - 2];
            e[n - 2] = a[((n - 2) * n) + n - 1];
        }

        d[n - 1] = a[(n * n) - 1];
        e[n - 1] = 0;
    }

    // row −= vi·w + wi·v
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rank2Row(Span<double> row, double vi, ReadOnlySpan<double> w, double wi, ReadOnlySpan<double> v)
    {
        int width = Vector<double>.Count;
        var nvi = new Vector<double>(-vi);
        var nwi = new Vector<double>(-wi);
        int p = 0;
        for (; p + width <= row.Length; p += width)
        {
            Vector<double> r = Fma.Of(nvi, new Vector<double>(w[p..]), new Vector<double>(row[p..]));
            Fma.Of(nwi, new Vector<double>(v[p..]), r).CopyTo(row[p..]);
        }

        for (; p < row.Length; p++)
        {
            row[p] -= (vi * w[p]) + (wi * v[p]);
        }
    }

    // Implicit QL with Wilkinson's shift on T = tridiag(e, d, e) (e[n−1] = 0); the rotations go into the rows of zt.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TridiagonalQl(Span<double> d, Span<double> e, Span<double> zt, int n, Span<double> rotations)
    {
        Span<double> cs = rotations[..n];
        Span<double> ss = rotations[n..];
        for (int l = 0; l < n; l++)
        {
            int sweeps = 0;
            while (true)
            {
                int mm = l;
                for (; mm < n - 1; mm++)
                {
                    double dd = Math.Abs(d[mm]) + Math.Abs(d[mm + 1]);
                    if (Math.Abs(e[mm]) <= double.Epsilon || Math.Abs(e[mm]) + dd == dd)
                    {
                        break;
                    }
                }

                if (mm == l)
                {
                    break;
                }

                if (++sweeps > MaxSweepsPerValue)
                {
                    return false;
                }

                double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                double r = double.Hypot(g, 1.0);
                g = d[mm] - d[l] + (e[l] / (g + (g >= 0 ? r : -r)));
                double s = 1.0;
                double c = 1.0;
                double p = 0.0;
                int count = 0;
                bool underflow = false;
                for (int i = mm - 1; i >= l; i--)
                {
                    double f = s * e[i];
                    double b = c * e[i];
                    r = Math.Sqrt((f * f) + (g * g)); // no overflow guard: Gram matrices of float data stay far inside double's range
                    e[i + 1] = r;
                    if (r == 0.0)
                    {
                        d[i + 1] -= p;
                        e[mm] = 0.0;
                        underflow = true;
                        break;
                    }

                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = ((d[i] - g) * s) + (2.0 * c * b);
                    p = s * r;
                    d[i + 1] = g + p;
                    g = (c * r) - b;
                    cs[count] = c;
                    ss[count] = s;
                    count++;
                }

                ApplyRotations(zt, n, mm, count, cs, ss);
                if (underflow)
                {
                    continue;
                }

                d[l] -= p;
                e[l] = g;
                e[mm] = 0.0;
            }
        }

        return true;
    }

    // Rotation t (t = 0 … count−1) acts on rows i = top−1−t and i + 1: [zᵢ₊₁; zᵢ] ← [s·zᵢ + c·zᵢ₊₁; c·zᵢ − s·zᵢ₊₁]. The
    // updated row i is the next rotation's row i + 1, so it stays in registers (one load and one store per row).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyRotations(Span<double> zt, int n, int top, int count, ReadOnlySpan<double> cs, ReadOnlySpan<double> ss)
    {
        if (count == 0)
        {
            return;
        }

        int p = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Two 8-wide column chunks at a time: each chunk's carry is a serial chain of dependent FMAs, so two
            // independent chains hide part of their latency.
            for (; p + 16 <= n; p += 16)
            {
                int row = top * n;
                Vector512<double> c0 = Vector512.Create<double>(zt[(row + p)..]);
                Vector512<double> c1 = Vector512.Create<double>(zt[(row + p + 8)..]);
                for (int t = 0; t < count; t++)
                {
                    int below = row;
                    row -= n;
                    Vector512<double> vc = Vector512.Create(cs[t]);
                    Vector512<double> vs = Vector512.Create(ss[t]);
                    Vector512<double> x0 = Vector512.Create<double>(zt[(row + p)..]);
                    Vector512<double> x1 = Vector512.Create<double>(zt[(row + p + 8)..]);
                    Fma.Of(vs, x0, vc * c0).CopyTo(zt[(below + p)..]);
                    Fma.Of(vs, x1, vc * c1).CopyTo(zt[(below + p + 8)..]);
                    c0 = Fma.Of(vc, x0, -(vs * c0));
                    c1 = Fma.Of(vc, x1, -(vs * c1));
                }

                c0.CopyTo(zt[(row + p)..]);
                c1.CopyTo(zt[(row + p + 8)..]);
            }

            for (; p + 8 <= n; p += 8)
            {
                int row = top * n;
                Vector512<double> c0 = Vector512.Create<double>(zt[(row + p)..]);
                for (int t = 0; t < count; t++)
                {
                    int below = row;
                    row -= n;
                    Vector512<double> vc = Vector512.Create(cs[t]);
                    Vector512<double> vs = Vector512.Create(ss[t]);
                    Vector512<double> x0 = Vector512.Create<double>(zt[(row + p)..]);
                    Fma.Of(vs, x0, vc * c0).CopyTo(zt[(below + p)..]);
                    c0 = Fma.Of(vc, x0, -(vs * c0));
                }

                c0.CopyTo(zt[(row + p)..]);
            }
        }

        int width = Vector<double>.Count;
        for (; p + width <= n; p += width)
        {
            var carry = new Vector<double>(zt[((top * n) + p)..]);
            for (int t = 0; t < count; t++)
            {
                int i = top - 1 - t;
                var xi = new Vector<double>(zt[((i * n) + p)..]);
                var vc = new Vector<double>(cs[t]);
                var vs = new Vector<double>(ss[t]);
                Fma.Of(vs, xi, vc * carry).CopyTo(zt[(((i + 1) * n) + p)..]);
                carry = Fma.Of(vc, xi, -(vs * carry));
            }

            carry.CopyTo(zt[(((top - count) * n) + p)..]);
        }

        for (; p < n; p++)
        {
            double carry = zt[(top * n) + p];
            for (int t = 0; t < count; t++)
            {
                int i = top - 1 - t;
                double xi = zt[(i * n) + p];
                zt[((i + 1) * n) + p] = (ss[t] * xi) + (cs[t] * carry);
                carry = (cs[t] * xi) - (ss[t] * carry);
            }

            zt[((top - count) * n) + p] = carry;
        }
    }

    // vectors (n×k) ← Q·vectors, Q = H₀·H₁⋯H_{n−3}: the reflectors from the last to the first, each as tᵀ = vᵀ·Y₂ (k)
    // and Y₂ −= β·v·tᵀ over rows j+1 … n−1.
    private static void BackTransform(ReadOnlySpan<double> a, int n, int k, ReadOnlySpan<double> beta, Span<double> y, Span<double> t)
    {
        for (int j = n - 3; j >= 0; j--)
        {
            double b = beta[j];
            if (b == 0)
            {
                continue;
            }

            int m = n - j - 1;
            ReadOnlySpan<double> v = a.Slice((j * n) + j + 1, m);
            t.Clear();
            for (int i = 0; i < m; i++)
            {
                TensorPrimitives.MultiplyAdd(y.Slice((j + 1 + i) * k, k), v[i], t, t);
            }

            for (int i = 0; i < m; i++)
            {
                Span<double> row = y.Slice((j + 1 + i) * k, k);
                TensorPrimitives.MultiplyAdd(t, -b * v[i], row, row);
            }
        }
    }
}
