using Pipelines.Numerics.Graphs;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Randomized truncated SVD (Halko, Martinsson &amp; Tropp 2011): Y = A·Ω with a seeded Gaussian Ω (n×ℓ), Q = qr(Y);
/// q power iterations Q ← qr(A·Aᵀ·Q) (adaptive mode: Q ← qr(A·qr(Aᵀ·Q))); then B = QᵀA is factored exactly through the
/// eigendecomposition of its ℓ×ℓ Gram matrix B·Bᵀ (a QR of Bᵀ and a Jacobi SVD of its ℓ×ℓ factor when the sketch is
/// rank-deficient) and U = Q·Ũ. This is the routine behind PiSSA's fast initialisation (torch.svd_lowrank), with
/// oversampling, an adaptive stopping rule and a-posteriori error figures added. The tall-skinny QRs run as
/// Cholesky-QR (GEMM-bound; one pass for the intermediate bases, two for those that enter the result), with
/// Householder QR as the fallback for ill-conditioned sketches.
/// </summary>
public static class RandomizedSvd
{
    private static readonly double s_halkoFactor = 10.0 * Math.Sqrt(2.0 / Math.PI);

    // λ_r/λ₁ (= (σ_r/σ₁)²) below which the Ritz step's Gram matrix is recomputed in double.
    private const double FloatGramRatio = 1e-4;

    // λ_r/λ₁ below which even the double Gram blurs V (ε_d·λ₁ against λ_r): the QR route instead.
    private const double MinRitzRatio = 1e-10;

    /// <summary>Rank-r SVD of the m×n row-major matrix <paramref name="a"/>.</summary>
    /// <exception cref="ArgumentException">The span does not hold m·n elements.</exception>
    public static RandomizedSvdResult Compute(ReadOnlySpan<float> a, int m, int n, RandomizedSvdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (a.Length != (long)m * n)
        {
            throw new ArgumentException($"A {m}x{n} matrix needs {(long)m * n} elements, got {a.Length}.", nameof(a));
        }

        int minDim = Math.Min(m, n);
        if (options.Rank > minDim)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Rank, $"Rank {options.Rank} exceeds min({m}, {n}).");
        }

        int k = options.Rank;
        int l = Math.Min(minDim, k + options.Oversampling);
        int threads = options.MaxThreads;
        double norm = MatrixOps.FrobeniusNorm(a);
        double normSq = norm * norm;
        if (options.RangeFinder == RangeFinder.BlockKrylov && BlockKrylovSvd.TryCompute(a, m, n, l, options, out SvdResult? krylov, out int steps))
        {
            double bk = options.BoundProbes > 0 ? SpectralBound(a, m, n, krylov, options) : double.NaN;
            return new RandomizedSvdResult(krylov, steps, norm, Residual(normSq, krylov.S, k), bk);
        }

        // Y = A·Ω, Q = qr(Y).
        float[] omega = new float[n * l];
        new GaussianSampler(options.Seed).FillBlocks(omega);
        var y = new Matrix(m, l);
        Gemm.Multiply(a, false, omega, false, y.Data, m, l, n, maxThreads: threads);
        Matrix q = Basis(y, threads, final: options.Tolerance is not null || options.PowerIterations == 0);

        var z = new Matrix(n, l);
        bool adaptive = options.Tolerance is not null;
        int maxIter = adaptive ? options.MaxPowerIterations : options.PowerIterations;
        int iterations = 0;
        double previous = double.PositiveInfinity;
        while (true)
        {
            // Z = Aᵀ·Q (n×ℓ) is both the next power step and Bᵀ = (QᵀA)ᵀ for the current basis.
            Gemm.Multiply(a, true, q.Data, false, z.Data, n, l, m, maxThreads: threads);
            if (iterations >= maxIter)
            {
                break;
            }

            if (adaptive)
            {
                double residual = Residual(normSq, JacobiSvd.SingularValues(HouseholderQrR(z)), k);
                if (previous - residual <= options.Tolerance!.Value * residual)
                {
                    break;
                }

                previous = residual;
            }

            // Fixed mode orthonormalises once per power iteration, after A·Aᵀ·Q (span(A·Z) = span(A·qr(Z))): Z = Aᵀ·Q with
            // orthonormal Q is only as ill-conditioned as A's top ℓ block, so Y = A·Z stays within the double-Gram
            // Cholesky-QR's range (κ(Y) ≈ (σ₁/σ_ℓ)², Householder beyond it). The adaptive mode's residual test wants the
            // orthonormal basis of every step.
            Matrix qz = adaptive ? Basis(z, threads, final: false) : z;
            Gemm.Multiply(a, false, qz.Data, false, y.Data, m, l, n, maxThreads: threads);

            // The basis that becomes U (the last one in fixed mode; every one in adaptive mode, which may stop at any) is
            // orthonormalised to float rounding, the others only as far as the subspace iteration needs.
            q = Basis(y, threads, final: adaptive || iterations + 1 >= maxIter);
            iterations++;
        }

        if (RitzFromGram(q, z, k, threads) is { } ritz)
        {
            double estimate = Residual(normSq, ritz.S, k);
            double ritzBound = options.BoundProbes > 0 ? SpectralBound(a, m, n, ritz, options) : double.NaN;
            return new RandomizedSvdResult(ritz, iterations, norm, estimate, ritzBound);
        }

        // Rank-deficient sketches: Bᵀ = Z = Q₂·R, R = U_R·Σ·V_Rᵀ ⇒ A ≈ Q·Bᵀᵀ = (Q·V_R)·Σ·(Q₂·U_R)ᵀ.
        // Tall-skinny QRs run as Cholesky-QR2 (GEMM-bound), falling back to Householder for ill-conditioned inputs.
        Matrix vt;
        SvdResult small;
        if (CholeskyQr.TryFactor(z, threads, out Matrix? q2, out Matrix? r))
        {
            small = JacobiSvd.Compute(r);
            vt = MatrixOps.Multiply(small.U.Columns(0, k), q2, transposeA: true, transposeB: true, maxThreads: threads);
        }
        else
        {
            Matrix q2t = HouseholderQr.FactorTransposed(z, out Matrix rh);
            small = JacobiSvd.Compute(rh);
            vt = MatrixOps.Multiply(small.U.Columns(0, k), q2t, transposeA: true, maxThreads: threads);
        }

        Matrix u = MatrixOps.Multiply(q, small.Vt.RowRange(0, k), transposeB: true, maxThreads: threads);
        float[] s = small.S.AsSpan(0, k).ToArray();
        var svd = new SvdResult(u, s, vt);
        svd.FixSigns();

        double residualEstimate = Residual(normSq, s, k);
        double bound = options.BoundProbes > 0 ? SpectralBound(a, m, n, svd, options) : double.NaN;
        return new RandomizedSvdResult(svd, iterations, norm, residualEstimate, bound);
    }

    /// <summary>Rank-r SVD of <paramref name="a"/>.</summary>
    public static RandomizedSvdResult Compute(Matrix a, RandomizedSvdOptions options)
    {
        ArgumentNullException.ThrowIfNull(a);
        return Compute(a.Data, a.Rows, a.Cols, options);
    }

    /// <summary>
    /// Rayleigh–Ritz of A on span Q (m×ℓ, orthonormal) through the ℓ×ℓ Gram matrix of Z = Aᵀ·Q = Bᵀ (n×ℓ):
    /// G = ZᵀZ = B·Bᵀ = W·Λ·Wᵀ (<see cref="DenseSymmetricEigensolver.Largest(Span{double}, int, int, Span{double}, Span{float})"/>), U = Q·W_r, σ = √λ, V = Z·W_r·Σ⁻¹, so
    /// U·Σ·Vᵀ = Q·W_r·W_rᵀ·Qᵀ·A is A's orthogonal projection onto span U whatever the rounding of W. G comes from the float
    /// GEMM, and again in double when λ_r/λ₁ &lt; <see cref="FloatGramRatio"/> (float rounding of G, ε_f·λ₁, would
    /// then blur V's small directions). Null when λ_r ≤ 0 (rank-deficient sketch): the caller takes the QR route.
    /// </summary>
    internal static SvdResult? RitzFromGram(Matrix q, Matrix z, int k, int threads)
    {
        int n = z.Rows;
        int l = z.Cols;
        double[] g = new double[l * l];
        float[] gf = new float[l * l];
        Gemm.Multiply(z.Data, true, z.Data, false, gf, l, l, n, maxThreads: threads);
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = gf[i];
        }

        double[] lambda = new double[k];
        float[] wf = new float[l * k];
        DenseSymmetricEigensolver.Largest(g, l, k, lambda, wf);
        if (!(lambda[k - 1] > 0) || lambda[k - 1] < FloatGramRatio * lambda[0])
        {
            double[] upper = CholeskyQr.GramDouble(z.Data, n, l);
            for (int i = 0; i < l; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    upper[(i * l) + j] = upper[(j * l) + i];
                }
            }

            DenseSymmetricEigensolver.Largest(upper, l, k, lambda, wf);
            if (!(lambda[k - 1] > MinRitzRatio * lambda[0]))
            {
                return null;
            }
        }

        var u = new Matrix(q.Rows, k);
        Gemm.Multiply(q.Data, false, wf, false, u.Data, q.Rows, k, l, maxThreads: threads);
        float[] s = new float[k];
        for (int t = 0; t < k; t++)
        {
            s[t] = (float)Math.Sqrt(lambda[t]);
            float inv = (float)(1.0 / Math.Sqrt(lambda[t]));
            for (int i = 0; i < l; i++)
            {
                wf[(i * k) + t] *= inv;
            }
        }

        // Vᵀ = (Z·W_r·Σ⁻¹)ᵀ = (W_r·Σ⁻¹)ᵀ·Zᵀ (k×n).
        var vt = new Matrix(k, n);
        Gemm.Multiply(wf, true, z.Data, true, vt.Data, k, n, l, maxThreads: threads);
        var svd = new SvdResult(u, s, vt);
        svd.FixSigns();
        return svd;
    }

    private static Matrix Basis(Matrix y, int threads, bool final) =>
        (final ? CholeskyQr.TryFactor(y, threads, out Matrix? q, out _) : CholeskyQr.TryBasis(y, threads, out q)) ? q : HouseholderQr.Factor(y).Q;

    private static Matrix HouseholderQrR(Matrix z)
    {
        _ = HouseholderQr.FactorTransposed(z, out Matrix r);
        return r;
    }

    private static double Residual(double normSq, IReadOnlyList<float> s, int k)
    {
        double captured = 0;
        for (int i = 0; i < Math.Min(k, s.Count); i++)
        {
            captured += (double)s[i] * s[i];
        }

        return Math.Sqrt(Math.Max(0, normSq - captured));
    }

    // max over probes of ‖(A − U S Vᵀ)ω‖, scaled by 10·√(2/π) (Halko et al. 2011, eq. 4.3).
    internal static double SpectralBound(ReadOnlySpan<float> a, int m, int n, SvdResult svd, RandomizedSvdOptions options)
    {
        int probes = options.BoundProbes;
        int k = svd.Rank;
        float[] w = new float[n * probes];
        new GaussianSampler(options.Seed ^ 0xB0B0B0B0UL).FillBlocks(w);
        float[] aw = new float[m * probes];
        Gemm.Multiply(a, false, w, false, aw, m, probes, n, maxThreads: options.MaxThreads);
        float[] vw = new float[k * probes];
        Gemm.Multiply(svd.Vt.Data, false, w, false, vw, k, probes, n, maxThreads: options.MaxThreads);
        for (int i = 0; i < k; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(vw.AsSpan(i * probes, probes), svd.S[i], vw.AsSpan(i * probes, probes));
        }

        Gemm.Multiply(svd.U.Data, false, vw, false, aw, m, probes, k, alpha: -1f, beta: 1f, maxThreads: options.MaxThreads);
        // Column norms, row by row (the same sums in the same order as column by column).
        Span<double> sums = probes <= 64 ? stackalloc double[probes] : new double[probes];
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> row = aw.AsSpan(i * probes, probes);
            for (int j = 0; j < probes; j++)
            {
                double v = row[j];
                sums[j] += v * v;
            }
        }

        double worst = 0;
        foreach (double sum in sums)
        {
            worst = Math.Max(worst, Math.Sqrt(sum));
        }

        return s_halkoFactor * worst;
    }
}
