using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Single-precision general matrix multiply on row-major spans: <c>C ← α·op(A)·op(B) + β·C</c> with op(A) m×k, op(B)
/// k×n, C m×n. Vectorised managed kernel (GotoBLAS shape): B is packed into k-blocks of NR-wide panels, A is read in
/// place (6 rows at a time, broadcast), and a 6×NR register tile (Vector512 when the CPU has it, else Vector256, with
/// FMA) accumulates each block. Row tiles are spread over threads when the product is large enough.
/// </summary>
/// <remarks>
/// The shapes the randomized SVD needs — W·Ω and Wᵀ·Q with a skinny right operand — read W exactly once per k-block
/// and keep the packed operand in cache; no native BLAS is needed. NaN/∞ propagate as in IEEE arithmetic.
/// </remarks>
public static class Gemm
{
    private const int Mr = 6;
    private const int Kc = 256;
    private const int Nc = 1024;
    private const long ParallelFlops = 1L << 21;

    private static readonly int s_nr = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>Width of the register tile in columns (32 with AVX-512, else 16).</summary>
    public static int TileColumns => s_nr;

    /// <summary>Computes <c>C ← α·op(A)·op(B) + β·C</c>.</summary>
    /// <param name="a">A, stored m×k row-major, or k×m when <paramref name="transposeA"/>.</param>
    /// <param name="transposeA">Use Aᵀ.</param>
    /// <param name="b">B, stored k×n row-major, or n×k when <paramref name="transposeB"/>.</param>
    /// <param name="transposeB">Use Bᵀ.</param>
    /// <param name="c">C, m×n row-major; read only when β ≠ 0.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">α.</param>
    /// <param name="beta">β (0 overwrites C, ignoring NaN in it).</param>
    /// <param name="maxThreads">Most threads to use; 0 = one per core, 1 = the calling thread only.</param>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    public static unsafe void Multiply(
        ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c,
        int m, int n, int k, float alpha = 1f, float beta = 0f, int maxThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException($"GEMM {m}x{k} · {k}x{n}: spans hold {a.Length}, {b.Length}, {c.Length} elements.");
        }

        Span<float> cm = c[..(m * n)];
        if (beta == 0f)
        {
            cm.Clear();
        }
        else if (beta != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(cm, beta, cm);
        }

        if (m == 0 || n == 0 || k == 0 || alpha == 0f)
        {
            return;
        }

        int threads = maxThreads <= 0 ? Environment.ProcessorCount : maxThreads;
        int lda = transposeA ? m : k;
        long aRowStride = transposeA ? 1 : lda;
        long aColStride = transposeA ? lda : 1;
        int ncMax = Math.Min(n, Nc);
        float[] packed = ArrayPool<float>.Shared.Rent((ncMax + 32) * Math.Min(k, Kc));
        try
        {
            fixed (float* pa = a, pb = b, pc = cm, pp = packed)
            {
                var job = new Job
                {
                    A = pa,
                    C = pc,
                    Packed = pp,
                    M = m,
                    N = n,
                    ARowStride = aRowStride,
                    AColStride = aColStride,
                    Alpha = alpha,
                };
                for (int jc = 0; jc < n; jc += Nc)
                {
                    int nc = Math.Min(Nc, n - jc);
                    for (int p0 = 0; p0 < k; p0 += Kc)
                    {
                        int kc = Math.Min(Kc, k - p0);
                        PackB(pb, transposeB, n, k, p0, kc, jc, nc, pp);
                        job.P0 = p0;
                        job.Kc = kc;
                        job.Jc = jc;
                        job.Nc = nc;
                        int tiles = (m + Mr - 1) / Mr;
                        long flops = 2L * m * nc * kc;
                        int use = flops < ParallelFlops ? 1 : Math.Min(threads, tiles);
                        if (use <= 1)
                        {
                            job.Run(0, tiles);
                        }
                        else
                        {
                            Job captured = job;
                            int per = (tiles + use - 1) / use;
                            Parallel.For(0, use, new ParallelOptions { MaxDegreeOfParallelism = use }, t =>
                            {
                                int t0 = t * per;
                                int t1 = Math.Min(tiles, t0 + per);
                                if (t0 < t1)
                                {
                                    captured.Run(t0, t1);
                                }
                            });
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    // The width of the panel that starts `remaining` columns before the end of the block: the widest tile (32 with
    // AVX-512, else 16) while it fits, then 16, then 8, so a few columns past a multiple of 16 (W·Ω at ℓ = r + p) cost a
    // narrow tile instead of a zero-padded wide one. Each element sees the same FMAs in the same order in every tile
    // width, so the split does not change results.
    private static int PanelWidth(int remaining) =>
        remaining >= s_nr ? s_nr : remaining > 8 ? 16 : 8;

    // Packs B[p0:p0+kc, jc:jc+nc] into panels of kc×w (w from PanelWidth; row p of a panel contiguous), zero-padded;
    // panel j starts at dst + kc·(first column of panel j − jc).
    private static unsafe void PackB(float* b, bool transposeB, int n, int k, int p0, int kc, int jc, int nc, float* dst)
    {
        for (int j0 = jc; j0 < jc + nc;)
        {
            int nr = PanelWidth(jc + nc - j0);
            int w = Math.Min(nr, jc + nc - j0);
            float* panel = dst + ((long)(j0 - jc) * kc);
            if (!transposeB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + ((long)(p0 + p) * n) + j0;
                    float* row = panel + ((long)p * nr);
                    int j = 0;
                    for (; j < w; j++)
                    {
                        row[j] = src[j];
                    }

                    for (; j < nr; j++)
                    {
                        row[j] = 0f;
                    }
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    if (j < w)
                    {
                        float* src = b + ((long)(j0 + j) * k) + p0;
                        for (int p = 0; p < kc; p++)
                        {
                            panel[((long)p * nr) + j] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            panel[((long)p * nr) + j] = 0f;
                        }
                    }
                }
            }

            j0 += nr;
        }
    }

    private unsafe struct Job
    {
        public float* A;
        public float* C;
        public float* Packed;
        public int M;
        public int N;
        public long ARowStride;
        public long AColStride;
        public float Alpha;
        public int P0;
        public int Kc;
        public int Jc;
        public int Nc;

        public readonly void Run(int tile0, int tile1)
        {
            float* tmp = stackalloc float[Mr * 32];
            for (int t = tile0; t < tile1; t++)
            {
                int i0 = t * Mr;
                int rows = Math.Min(Mr, M - i0);
                float* a0 = RowPtr(i0, 0, rows);
                float* a1 = RowPtr(i0, 1, rows);
                float* a2 = RowPtr(i0, 2, rows);
                float* a3 = RowPtr(i0, 3, rows);
                float* a4 = RowPtr(i0, 4, rows);
                float* a5 = RowPtr(i0, 5, rows);
                for (int j0 = Jc; j0 < Jc + Nc;)
                {
                    int nr = PanelWidth(Jc + Nc - j0);
                    int cols = Math.Min(nr, Jc + Nc - j0);
                    float* panel = Packed + ((long)(j0 - Jc) * Kc);
                    bool full = rows == Mr && cols == nr;
                    float* dst = full ? C + ((long)i0 * N) + j0 : tmp;
                    int ldd = full ? N : nr;
                    if (nr == 32)
                    {
                        Kernel512(a0, a1, a2, a3, a4, a5, AColStride, panel, Kc, dst, ldd, Alpha, full);
                    }
                    else if (nr == 16)
                    {
                        Kernel256(a0, a1, a2, a3, a4, a5, AColStride, panel, Kc, dst, ldd, Alpha, full);
                    }
                    else
                    {
                        Kernel256x8(a0, a1, a2, a3, a4, a5, AColStride, panel, Kc, dst, ldd, Alpha, full);
                    }

                    if (!full)
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            float* crow = C + ((long)(i0 + r) * N) + j0;
                            for (int j = 0; j < cols; j++)
                            {
                                crow[j] += tmp[(r * nr) + j];
                            }
                        }
                    }

                    j0 += nr;
                }
            }
        }

        // Rows past the end repeat the last row (computed, never stored).
        private readonly float* RowPtr(int i0, int r, int rows) =>
            A + ((long)(i0 + Math.Min(r, rows - 1)) * ARowStride) + (P0 * AColStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel512(
        float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long cs,
        float* panel, int kc, float* dst, int ldd, float alpha, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* bp = panel;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(bp);
            Vector512<float> b1 = Vector512.Load(bp + 16);
            bp += 32;
            long o = p * cs;
            Vector512<float> x = Vector512.Create(a0[o]);
            c00 = Fma.Of(x, b0, c00);
            c01 = Fma.Of(x, b1, c01);
            x = Vector512.Create(a1[o]);
            c10 = Fma.Of(x, b0, c10);
            c11 = Fma.Of(x, b1, c11);
            x = Vector512.Create(a2[o]);
            c20 = Fma.Of(x, b0, c20);
            c21 = Fma.Of(x, b1, c21);
            x = Vector512.Create(a3[o]);
            c30 = Fma.Of(x, b0, c30);
            c31 = Fma.Of(x, b1, c31);
            x = Vector512.Create(a4[o]);
            c40 = Fma.Of(x, b0, c40);
            c41 = Fma.Of(x, b1, c41);
            x = Vector512.Create(a5[o]);
            c50 = Fma.Of(x, b0, c50);
            c51 = Fma.Of(x, b1, c51);
        }

        Vector512<float> al = Vector512.Create(alpha);
        Store512(dst, 0, ldd, c00, c01, al, accumulate);
        Store512(dst, 1, ldd, c10, c11, al, accumulate);
        Store512(dst, 2, ldd, c20, c21, al, accumulate);
        Store512(dst, 3, ldd, c30, c31, al, accumulate);
        Store512(dst, 4, ldd, c40, c41, al, accumulate);
        Store512(dst, 5, ldd, c50, c51, al, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store512(float* dst, int r, int ldd, Vector512<float> x0, Vector512<float> x1, Vector512<float> alpha, bool accumulate)
    {
        float* d = dst + ((long)r * ldd);
        if (accumulate)
        {
            Fma.Of(x0, alpha, Vector512.Load(d)).Store(d);
            Fma.Of(x1, alpha, Vector512.Load(d + 16)).Store(d + 16);
        }
        else
        {
            (x0 * alpha).Store(d);
            (x1 * alpha).Store(d + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel256(
        float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long cs,
        float* panel, int kc, float* dst, int ldd, float alpha, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* bp = panel;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            Vector256<float> b1 = Vector256.Load(bp + 8);
            bp += 16;
            long o = p * cs;
            Vector256<float> x = Vector256.Create(a0[o]);
            c00 = Fma.Of(x, b0, c00);
            c01 = Fma.Of(x, b1, c01);
            x = Vector256.Create(a1[o]);
            c10 = Fma.Of(x, b0, c10);
            c11 = Fma.Of(x, b1, c11);
            x = Vector256.Create(a2[o]);
            c20 = Fma.Of(x, b0, c20);
            c21 = Fma.Of(x, b1, c21);
            x = Vector256.Create(a3[o]);
            c30 = Fma.Of(x, b0, c30);
            c31 = Fma.Of(x, b1, c31);
            x = Vector256.Create(a4[o]);
            c40 = Fma.Of(x, b0, c40);
            c41 = Fma.Of(x, b1, c41);
            x = Vector256.Create(a5[o]);
            c50 = Fma.Of(x, b0, c50);
            c51 = Fma.Of(x, b1, c51);
        }

        Vector256<float> al = Vector256.Create(alpha);
        Store256(dst, 0, ldd, c00, c01, al, accumulate);
        Store256(dst, 1, ldd, c10, c11, al, accumulate);
        Store256(dst, 2, ldd, c20, c21, al, accumulate);
        Store256(dst, 3, ldd, c30, c31, al, accumulate);
        Store256(dst, 4, ldd, c40, c41, al, accumulate);
        Store256(dst, 5, ldd, c50, c51, al, accumulate);
    }

    // The 6×8 tile for the last few columns of a block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel256x8(
        float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long cs,
        float* panel, int kc, float* dst, int ldd, float alpha, bool accumulate)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        float* bp = panel;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            bp += 8;
            long o = p * cs;
            c0 = Fma.Of(Vector256.Create(a0[o]), b0, c0);
            c1 = Fma.Of(Vector256.Create(a1[o]), b0, c1);
            c2 = Fma.Of(Vector256.Create(a2[o]), b0, c2);
            c3 = Fma.Of(Vector256.Create(a3[o]), b0, c3);
            c4 = Fma.Of(Vector256.Create(a4[o]), b0, c4);
            c5 = Fma.Of(Vector256.Create(a5[o]), b0, c5);
        }

        Vector256<float> al = Vector256.Create(alpha);
        Store8(dst, 0, ldd, c0, al, accumulate);
        Store8(dst, 1, ldd, c1, al, accumulate);
        Store8(dst, 2, ldd, c2, al, accumulate);
        Store8(dst, 3, ldd, c3, al, accumulate);
        Store8(dst, 4, ldd, c4, al, accumulate);
        Store8(dst, 5, ldd, c5, al, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store8(float* dst, int r, int ldd, Vector256<float> x, Vector256<float> alpha, bool accumulate)
    {
        float* d = dst + ((long)r * ldd);
        if (accumulate)
        {
            Fma.Of(x, alpha, Vector256.Load(d)).Store(d);
        }
        else
        {
            (x * alpha).Store(d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store256(float* dst, int r, int ldd, Vector256<float> x0, Vector256<float> x1, Vector256<float> alpha, bool accumulate)
    {
        float* d = dst + ((long)r * ldd);
        if (accumulate)
        {
            Fma.Of(x0, alpha, Vector256.Load(d)).Store(d);
            Fma.Of(x1, alpha, Vector256.Load(d + 8)).Store(d + 8);
        }
        else
        {
            (x0 * alpha).Store(d);
            (x1 * alpha).Store(d + 8);
        }
    }
}
