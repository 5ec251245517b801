using Pipelines.Numerics.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

public class RandomizedSvdTests
{
    private static double OptimalError(float[] sigma, int r) =>
        Math.Sqrt(sigma.Skip(r).Sum(s => (double)s * s));

    [Fact]
    public void Compute_FastDecay_NearOptimalAndWithinBound()
    {
        float[] sigma = TestMatrices.Decaying(120, 0.9);
        Matrix a = TestMatrices.WithSpectrum(300, 200, sigma, 21);
        RandomizedSvdResult r = RandomizedSvd.Compute(a, new RandomizedSvdOptions { Rank = 10, Oversampling = 8, PowerIterations = 2, Seed = 5, BoundProbes = 10 });
        Matrix residual = a.Clone();
        Matrix approx = r.Svd.Reconstruct();
        for (int i = 0; i < residual.Data.Length; i++)
        {
            residual.Data[i] -= approx.Data[i];
        }

        double frob = residual.FrobeniusNorm();
        double optimal = OptimalError(sigma, 10);
        Assert.True(frob <= optimal * 1.01, $"error {frob} vs optimal {optimal}");
        Assert.True(Math.Abs(frob - r.ResidualEstimate) <= 1e-3 * r.Norm, $"estimate {r.ResidualEstimate} vs actual {frob}");
        double spectral = JacobiSvd.SingularValues(residual)[0];
        Assert.True(spectral <= r.SpectralErrorBound, $"spectral error {spectral} exceeds bound {r.SpectralErrorBound}");
        Assert.True(spectral >= sigma[10] * 0.999, "cannot beat the optimal spectral error σ_{r+1}");
        Assert.True(MatrixOps.OrthonormalityError(r.Svd.U) < 5e-6);
        Assert.True(MatrixOps.OrthonormalityError(r.Svd.Vt.Transpose()) < 5e-6);
    }

    [Theory]
    [InlineData(0.97, 12)] // λ_r/λ₁ ≈ 0.5: the float Gram matrix
    [InlineData(0.8, 25)] // λ_r/λ₁ = 0.8⁴⁸ ≈ 2·10⁻⁵: the Gram matrix again in double
    public void Compute_SketchCoversTheRowSpace_MatchesJacobiSvd(double rate, int rank)
    {
        // ℓ = r + p = n: span Q is A's whole column space, so the Ritz step (eigenvectors of B·Bᵀ) is the exact SVD.
        float[] sigma = TestMatrices.Decaying(40, rate);
        Matrix a = TestMatrices.WithSpectrum(90, 40, sigma, 31);
        RandomizedSvdResult r = RandomizedSvd.Compute(a, new RandomizedSvdOptions { Rank = rank, Oversampling = 40 - rank, PowerIterations = 1, Seed = 4 });
        SvdResult exact = JacobiSvd.Compute(a).Slice(0, rank);
        for (int i = 0; i < rank; i++)
        {
            Assert.True(Math.Abs(r.Svd.S[i] - exact.S[i]) <= 2e-6 * exact.S[0], $"σ[{i}] {r.Svd.S[i]} vs Jacobi {exact.S[i]}");
        }

        double diff = MatrixOps.DistanceFrobenius(r.Svd.Reconstruct().Data, exact.Reconstruct().Data);
        Assert.True(diff <= 1e-5 * a.FrobeniusNorm(), $"‖U·S·Vᵀ − (Jacobi's)‖ = {diff}");
        Assert.True(MatrixOps.OrthonormalityError(r.Svd.U) < 5e-6);
        Assert.True(MatrixOps.OrthonormalityError(r.Svd.Vt.Transpose()) < 5e-6, $"VᵀV − I: {MatrixOps.OrthonormalityError(r.Svd.Vt.Transpose())}");
    }

    [Fact]
    public void Compute_SameSeed_SameResult_DifferentSeed_Differs()
    {
        Matrix a = TestMatrices.Gaussian(150, 90, 8);
        var o = new RandomizedSvdOptions { Rank = 6, Oversampling = 0, PowerIterations = 0, Seed = 1 };
        RandomizedSvdResult x = RandomizedSvd.Compute(a, o);
        RandomizedSvdResult y = RandomizedSvd.Compute(a, o);
        RandomizedSvdResult z = RandomizedSvd.Compute(a, o with { Seed = 2 });
        Assert.Equal(x.Svd.U.Data, y.Svd.U.Data);
        Assert.Equal(x.Svd.S, y.Svd.S);
        Assert.NotEqual(x.Svd.S, z.Svd.S);
    }

    [Fact]
    public void Compute_MorePowerIterations_ReduceError_OnFlatSpectrum()
    {
        Matrix a = TestMatrices.Gaussian(256, 256, 13);
        float[] exact = JacobiSvd.SingularValues(a);
        double optimal = OptimalError(exact, 16);
        double e0 = RandomizedSvd.Compute(a, new RandomizedSvdOptions { Rank = 16, Oversampling = 0, PowerIterations = 0, Seed = 3 }).ResidualEstimate;
        double e4 = RandomizedSvd.Compute(a, new RandomizedSvdOptions { Rank = 16, Oversampling = 0, PowerIterations = 4, Seed = 3 }).ResidualEstimate;
        Assert.True(e4 < e0, $"{e4} !< {e0}");
        Assert.True(e4 >= optimal * 0.9999);
    }

    [Fact]
    public void Compute_Adaptive_StopsBeforeTheCap_WhenConverged()
    {
        float[] sigma = TestMatrices.Decaying(60, 0.7);
        Matrix a = TestMatrices.WithSpectrum(120, 100, sigma, 4);
        RandomizedSvdResult r = RandomizedSvd.Compute(a, new RandomizedSvdOptions { Rank = 8, Tolerance = 1e-3, MaxPowerIterations = 12, Seed = 9 });
        Assert.InRange(r.PowerIterations, 1, 11);
        Assert.True(r.ResidualEstimate <= OptimalError(sigma, 8) * 1.01);
    }

    [Fact]
    public void Compute_ExactlyLowRank_FallsBackToHouseholder_AndIsExact()
    {
        // Rank 4 < ℓ = 12: the sketch's Gram matrix is singular, Cholesky-QR refuses, Householder QR takes over.
        float[] sigma = [9f, 5f, 2f, 1f];
        Matrix a = MatrixOps.Multiply(TestMatrices.WithSpectrum(200, 4, sigma, 31), TestMatrices.Gaussian(4, 90, 32));
        RandomizedSvdResult r = RandomizedSvd.Compute(a, new RandomizedSvdOptions { Rank = 12, Oversampling = 0, PowerIterations = 3, Seed = 1 });
        Matrix approx = r.Svd.Reconstruct();
        Assert.DoesNotContain(approx.Data, v => !float.IsFinite(v));
        double err = 0;
        for (int i = 0; i < approx.Data.Length; i++)
        {
            err += Math.Pow(approx.Data[i] - a.Data[i], 2);
        }

        Assert.True(Math.Sqrt(err) <= 1e-5 * r.Norm, $"error {Math.Sqrt(err)} of ‖A‖ {r.Norm}");
    }

    [Fact]
    public void Compute_ThrowsForRankAboveMinDimension() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomizedSvd.Compute(new Matrix(5, 4), new RandomizedSvdOptions { Rank = 5 }));
}
