using Pipelines.Numerics.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

public class BlockKrylovSvdTests
{
    private static double OptimalError(float[] sigma, int r) =>
        Math.Sqrt(sigma.Skip(r).Sum(s => (double)s * s));

    private static double Error(Matrix a, SvdResult svd) => MatrixOps.DistanceFrobenius(a.Data, svd.Reconstruct().Data);

    private static RandomizedSvdOptions Options(int rank, int p, int q, ulong seed, RangeFinder finder) =>
        new() { Rank = rank, Oversampling = p, PowerIterations = q, Seed = seed, RangeFinder = finder, BoundProbes = 10 };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compute_FlatSpectrum_NeverWorseThanSubspaceIteration_AtTheSameProducts(int q)
    {
        // Same Ω (seed), same 2q + 2 products: the Krylov space contains subspace iteration's last block, and the
        // Rayleigh–Ritz projection onto a larger space has a rank-r error no larger.
        Matrix a = TestMatrices.Gaussian(256, 192, 13);
        double optimal = OptimalError(JacobiSvd.SingularValues(a), 16);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            RandomizedSvdResult sub = RandomizedSvd.Compute(a, Options(16, 0, q, seed, RangeFinder.SubspaceIteration));
            RandomizedSvdResult kry = RandomizedSvd.Compute(a, Options(16, 0, q, seed, RangeFinder.BlockKrylov));
            double es = Error(a, sub.Svd);
            double ek = Error(a, kry.Svd);
            Assert.True(ek <= es * (1 + 1e-5), $"q={q} seed={seed}: Krylov {ek} > subspace {es}");
            Assert.True(ek >= optimal * (1 - 1e-5), $"Krylov {ek} below the Eckart–Young optimum {optimal}");
            Assert.Equal(q, kry.PowerIterations);
        }
    }

    [Fact]
    public void Compute_FastDecay_NearOptimal_OrthonormalFactors_EstimateAndBoundHold()
    {
        float[] sigma = TestMatrices.Decaying(120, 0.9);
        Matrix a = TestMatrices.WithSpectrum(300, 200, sigma, 21);
        RandomizedSvdResult r = RandomizedSvd.Compute(a, Options(10, 0, 2, 5, RangeFinder.BlockKrylov));
        double err = Error(a, r.Svd);
        Assert.True(err <= OptimalError(sigma, 10) * 1.001, $"error {err} vs optimal {OptimalError(sigma, 10)}");
        Assert.True(Math.Abs(err - r.ResidualEstimate) <= 1e-3 * r.Norm, $"estimate {r.ResidualEstimate} vs actual {err}");
        Assert.True(MatrixOps.OrthonormalityError(r.Svd.U) < 5e-6);
        Assert.True(MatrixOps.OrthonormalityError(r.Svd.Vt.Transpose()) < 1e-4);
        for (int i = 1; i < r.Svd.S.Length; i++)
        {
            Assert.True(r.Svd.S[i] <= r.Svd.S[i - 1], "singular values descend");
        }

        Matrix residual = a.Clone();
        Matrix approx = r.Svd.Reconstruct();
        for (int i = 0; i < residual.Data.Length; i++)
        {
            residual.Data[i] -= approx.Data[i];
        }

        Assert.True(JacobiSvd.SingularValues(residual)[0] <= r.SpectralErrorBound);
    }

    [Fact]
    public void Compute_WideKrylovSpace_PartialRitzStep_GivesExactRitzPairs_AndBeatsSubspaceIteration()
    {
        // r = 6, ℓ = 6, q = 7: K = 48 > r + 16, so the Ritz step runs subspace iteration on G before its small
        // eigenproblem. The pairs must still be Ritz pairs of A (Uᵀ·A = Σ·Vᵀ, U and V orthonormal), and the error at
        // the same 2q + 2 products no larger than subspace iteration's, on a flat and on a decaying spectrum.
        Matrix[] inputs = [TestMatrices.Gaussian(200, 150, 41), TestMatrices.WithSpectrum(200, 150, TestMatrices.Decaying(150, 0.97), 42)];
        foreach (Matrix a in inputs)
        {
            double optimal = OptimalError(JacobiSvd.SingularValues(a), 6);
            RandomizedSvdResult kry = RandomizedSvd.Compute(a, Options(6, 0, 7, 9, RangeFinder.BlockKrylov));
            RandomizedSvdResult sub = RandomizedSvd.Compute(a, Options(6, 0, 7, 9, RangeFinder.SubspaceIteration));
            double ek = Error(a, kry.Svd);
            Assert.Equal(7, kry.PowerIterations);
            Assert.True(ek <= Error(a, sub.Svd) * (1 + 1e-5), $"Krylov {ek} > subspace {Error(a, sub.Svd)}");
            Assert.True(ek >= optimal * (1 - 1e-5) && ek <= optimal * 1.01, $"Krylov {ek} vs optimum {optimal}");
            Assert.True(MatrixOps.OrthonormalityError(kry.Svd.U) < 1e-5);
            Assert.True(MatrixOps.OrthonormalityError(kry.Svd.Vt.Transpose()) < 1e-4);
            Matrix uta = MatrixOps.Multiply(kry.Svd.U, a, transposeA: true);
            for (int t = 0; t < 6; t++)
            {
                for (int j = 0; j < a.Cols; j++)
                {
                    Assert.True(Math.Abs(uta[t, j] - (kry.Svd.S[t] * kry.Svd.Vt[t, j])) <= 1e-4 * kry.Svd.S[0], $"Uᵀ·A ≠ Σ·Vᵀ at ({t}, {j})");
                }
            }
        }
    }

    [Fact]
    public void Compute_SameSeed_SameResult()
    {
        Matrix a = TestMatrices.Gaussian(150, 90, 8);
        RandomizedSvdOptions o = Options(6, 2, 3, 1, RangeFinder.BlockKrylov);
        RandomizedSvdResult x = RandomizedSvd.Compute(a, o);
        RandomizedSvdResult y = RandomizedSvd.Compute(a, o);
        Assert.Equal(x.Svd.U.Data, y.Svd.U.Data);
        Assert.Equal(x.Svd.Vt.Data, y.Svd.Vt.Data);
        Assert.NotEqual(x.Svd.S, RandomizedSvd.Compute(a, o with { Seed = 2 }).Svd.S);
    }

    [Fact]
    public void Compute_ExactlyLowRank_StopsOrFallsBack_AndIsExact()
    {
        // Rank 4 < ℓ: the first block is rank-deficient; the result must still reproduce A.
        float[] sigma = [9f, 5f, 2f, 1f];
        Matrix a = MatrixOps.Multiply(TestMatrices.WithSpectrum(200, 4, sigma, 31), TestMatrices.Gaussian(4, 90, 32));
        RandomizedSvdResult r = RandomizedSvd.Compute(a, Options(4, 4, 3, 1, RangeFinder.BlockKrylov));
        Assert.DoesNotContain(r.Svd.Reconstruct().Data, v => !float.IsFinite(v));
        Assert.True(Error(a, r.Svd) <= 1e-5 * r.Norm, $"error {Error(a, r.Svd)} of ‖A‖ {r.Norm}");
    }

    [Fact]
    public void Compute_KrylovSpaceCappedByTheSmallerDimension()
    {
        // (q + 1)·ℓ would exceed min(m, n) = 40: the steps are capped so the basis fits, and the result is exact.
        Matrix a = TestMatrices.Gaussian(60, 40, 3);
        RandomizedSvdResult r = RandomizedSvd.Compute(a, Options(8, 2, 6, 4, RangeFinder.BlockKrylov));
        Assert.Equal(3, r.PowerIterations); // 4 blocks of 10 columns
        Assert.True(Error(a, r.Svd) <= OptimalError(JacobiSvd.SingularValues(a), 8) * (1 + 1e-4));
    }

    [Fact]
    public void Validate_KrylovHasNoAdaptiveMode() =>
        Assert.Throws<ArgumentException>(() => RandomizedSvd.Compute(TestMatrices.Gaussian(20, 20, 1), new RandomizedSvdOptions { Rank = 2, Tolerance = 0.1, RangeFinder = RangeFinder.BlockKrylov }));
}
