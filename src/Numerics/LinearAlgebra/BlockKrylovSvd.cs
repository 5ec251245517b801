using System.Diagnostics.CodeAnalysis;
using Pipelines.Numerics.Graphs;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Randomized block Krylov SVD (Musco &amp; Musco 2015, Alg. 2) for <see cref="RangeFinder.BlockKrylov"/>: K₀ = orth(A·Ω),
/// Zᵢ = Aᵀ·Kᵢ, Kᵢ₊₁ = orth(A·Zᵢ ⊥ K₀…Kᵢ) for q steps (2q + 2 skinny products with A, as subspace iteration), basis
/// Q = [K₀ … K_q] (m×K, K = (q + 1)·ℓ) with Bᵀ = (Qᵀ·A)ᵀ = [Z₀ … Z_q] already computed. Rayleigh–Ritz through the K×K
/// Gram matrix G = B·Bᵀ = W·Λ·Wᵀ: U = Q·W_r, σ = √λ, V = Bᵀ·W_r·Σ⁻¹, so U·Σ·Vᵀ = Q·W_r·W_rᵀ·Qᵀ·A, the orthogonal
/// projection of A onto span U (the best rank-r approximation of A within span Q).
/// </summary>
internal static class BlockKrylovSvd
{
    // σ_r / σ₁ below this: G's float rounding would blur V, so the caller falls back to subspace iteration.
    private const double MinSingularRatio = 1e-3;

    // The Ritz step's subspace iteration on G (see TopEigenpairs): ℓ' = r + RitzOversampling columns, RitzIterations steps.
    private const int RitzOversampling = 16;
    private const int RitzIterations = 6;

    // Krylov spaces up to this order get the exact Rayleigh–Ritz step (the whole K×K Gram matrix through the dense solver;
    // ≈ 0.1 ms at K = 64, 3.6 ms at K = 192, where the partial step costs about 1 ms).
    private const int ExactRitzOrder = 96;

    /// <summary>Rank-r factors; false for inputs it does not handle (rank-deficient A, a first block that is not of full rank).</summary>
    public static bool TryCompute(
        ReadOnlySpan<float> a, int m, int n, int l, RandomizedSvdOptions options, [NotNullWhen(true)] out SvdResult? svd, out int steps)
    {
        svd = null;
        steps = 0;
        int k = options.Rank;
        int threads = options.MaxThreads;
        int q = Math.Max(0, Math.Min(options.PowerIterations, (Math.Min(m, n) / l) - 1)); // K = (q + 1)·ℓ ≤ min(m, n)
        float[] omega = new float[n * l];
        new GaussianSampler(options.Seed).FillBlocks(omega);
        var y = new Matrix(m, l);
        Gemm.Multiply(a, false, omega, false, y.Data, m, l, n, maxThreads: threads);
        if (!CholeskyQr.TryFactor(y, threads, out Matrix? first, out _))
        {
            return false;
        }

        var blocks = new List<Matrix>(q + 1) { first };
        var zs = new List<Matrix>(q + 1);
        float[] c = new float[l * l];
        for (int i = 1; i <= q; i++)
        {
            var z = new Matrix(n, l);
            Gemm.Multiply(a, true, blocks[^1].Data, false, z.Data, n, l, m, maxThreads: threads);
            zs.Add(z);
            Gemm.Multiply(a, false, z.Data, false, y.Data, m, l, n, maxThreads: threads);
            for (int pass = 0; pass < 2; pass++)
            {
                foreach (Matrix b in blocks)
                {
                    Gemm.Multiply(b.Data, true, y.Data, false, c, l, l, m, maxThreads: threads);
                    Gemm.Multiply(b.Data, false, c, false, y.Data, m, l, l, alpha: -1f, beta: 1f, maxThreads: threads);
                }
            }

            if (!CholeskyQr.TryFactor(y, threads, out Matrix? next, out _))
            {
                break; // span(A·Zᵢ) lies (numerically) in the blocks so far: the Krylov space is exhausted
            }

            blocks.Add(next);
        }

        var last = new Matrix(n, l);
        Gemm.Multiply(a, true, blocks[^1].Data, false, last.Data, n, l, m, maxThreads: threads);
        zs.Add(last);

        // G = ZᵀZ (K×K), block (i, j) = Zᵢᵀ·Zⱼ.
        int nb = blocks.Count;
        int kk = nb * l;
        if (kk < k)
        {
            return false;
        }

        double[] g = new double[kk * kk];
        for (int i = 0; i < nb; i++)
        {
            for (int j = i; j < nb; j++)
            {
                Gemm.Multiply(zs[i].Data, true, zs[j].Data, false, c, l, l, n, maxThreads: threads);
                for (int r = 0; r < l; r++)
                {
                    for (int s = 0; s < l; s++)
                    {
                        g[(((i * l) + r) * kk) + (j * l) + s] = c[(r * l) + s];
                        g[(((j * l) + s) * kk) + (i * l) + r] = c[(r * l) + s];
                    }
                }
            }
        }

        float[] sigma = new float[k];
        float[] w = new float[kk * k]; // W_r, K×r: column t is the eigenvector of the t-th largest eigenvalue
        TopEigenpairs(g, kk, k, options.Seed, threads, sigma, w);

        if (!(sigma[0] > 0) || sigma[k - 1] < MinSingularRatio * sigma[0])
        {
            return false;
        }

        // U = Σᵢ Kᵢ·Wᵢ (m×r), V = Σᵢ Zᵢ·Wᵢ·Σ⁻¹ (n×r); Wᵢ = rows i·ℓ … (i+1)·ℓ of W_r (contiguous).
        var u = new Matrix(m, k);
        float[] v = new float[n * k];
        for (int i = 0; i < nb; i++)
        {
            ReadOnlySpan<float> wi = w.AsSpan(i * l * k, l * k);
            Gemm.Multiply(blocks[i].Data, false, wi, false, u.Data, m, k, l, beta: i == 0 ? 0f : 1f, maxThreads: threads);
            Gemm.Multiply(zs[i].Data, false, wi, false, v, n, k, l, beta: i == 0 ? 0f : 1f, maxThreads: threads);
        }

        var vt = new Matrix(k, n);
        for (int row = 0; row < n; row++)
        {
            for (int t = 0; t < k; t++)
            {
                vt.Data[((long)t * n) + row] = v[(row * k) + t] / sigma[t];
            }
        }

        svd = new SvdResult(u, sigma, vt);
        svd.FixSigns();
        steps = nb - 1;
        return true;
    }

    /// <summary>
    /// The r largest eigenpairs of the K×K Gram matrix G (σ = √λ into <paramref name="sigma"/>, eigenvectors as the
    /// columns of the K×r <paramref name="w"/>). K ≤ max(r + <see cref="RitzOversampling"/>, <see cref="ExactRitzOrder"/>):
    /// exact, <see cref="DenseSymmetricEigensolver.Largest(Span{double}, int, int, Span{double}, Span{float})"/> on G. Wider spaces (e.g. r = 64, ℓ = 64, q = 2: K = 192),
    /// where the dense solver's O(K³) would outweigh the products saved: <see cref="RitzIterations"/> steps of subspace
    /// iteration on G first (float GEMMs on ℓ' = r + <see cref="RitzOversampling"/> columns; G's eigenvalues are σ², so
    /// each step contracts the unwanted directions by (σ_ℓ'/σ_r)²), then Rayleigh–Ritz on the ℓ'×ℓ' matrix T = Xᵀ·G·X
    /// (the dense solver again). The pairs stay exact Ritz pairs of A for span U (U·Σ·Vᵀ is A's orthogonal projection
    /// onto span U, V orthonormal); only the choice of span U within span Q is approximate.
    /// </summary>
    private static void TopEigenpairs(double[] g, int kk, int k, ulong seed, int threads, float[] sigma, float[] w)
    {
        int lp = k + RitzOversampling;
        double[] lambda = new double[k]; // descending, column t of w ↔ lambda[t]
        if (kk <= Math.Max(lp, ExactRitzOrder))
        {
            DenseSymmetricEigensolver.Largest(g, kk, k, lambda, w);
        }
        else
        {
            PartialRitz(g, kk, k, lp, seed, threads, lambda, w);
        }

        for (int t = 0; t < k; t++)
        {
            sigma[t] = (float)Math.Sqrt(Math.Max(0, lambda[t]));
        }
    }

    // Subspace iteration on G (ℓ' = lp columns), then the exact eigenpairs of T = Xᵀ·G·X, mapped back: W = X·W_T.
    private static void PartialRitz(double[] g, int kk, int k, int lp, ulong seed, int threads, double[] lambda, float[] w)
    {
        float[] gf = new float[kk * kk];
        for (int i = 0; i < gf.Length; i++)
        {
            gf[i] = (float)g[i];
        }

        var x = new Matrix(kk, lp);
        new GaussianSampler(seed ^ 0x5EED_417Bu).FillBlocks(x.Data);
        var y = new Matrix(kk, lp);
        for (int it = 0; it <= RitzIterations; it++)
        {
            Gemm.Multiply(gf, false, x.Data, false, y.Data, kk, lp, kk, maxThreads: threads);
            x = (it == RitzIterations ? CholeskyQr.TryFactor(y, threads, out Matrix? q, out _) : CholeskyQr.TryBasis(y, threads, out q))
                ? q
                : HouseholderQr.Factor(y).Q;
        }

        // T = Xᵀ·G·X (ℓ'×ℓ', symmetric positive semi-definite), symmetrised in double.
        Gemm.Multiply(gf, false, x.Data, false, y.Data, kk, lp, kk, maxThreads: threads);
        float[] tf = new float[lp * lp];
        Gemm.Multiply(x.Data, true, y.Data, false, tf, lp, lp, kk, maxThreads: threads);
        double[] tm = new double[lp * lp];
        for (int i = 0; i < lp; i++)
        {
            for (int j = 0; j < lp; j++)
            {
                tm[(i * lp) + j] = 0.5 * ((double)tf[(i * lp) + j] + tf[(j * lp) + i]);
            }
        }

        float[] top = new float[lp * k]; // ℓ'×r: the eigenvectors of T's r largest eigenvalues
        DenseSymmetricEigensolver.Largest(tm, lp, k, lambda, top);
        Gemm.Multiply(x.Data, false, top, false, w, kk, k, lp, maxThreads: threads);
    }
}
