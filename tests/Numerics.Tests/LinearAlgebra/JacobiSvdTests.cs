using Pipelines.Numerics.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

public class JacobiSvdTests
{
    [Theory]
    [InlineData(6, 6)]
    [InlineData(40, 13)]
    [InlineData(13, 40)]
    [InlineData(200, 120)]
    [InlineData(384, 384)]
    public void Compute_USVtRebuildsA_FactorsOrthonormal(int m, int n)
    {
        Matrix a = TestMatrices.Gaussian(m, n, (ulong)(7 * m + n));
        SvdResult svd = JacobiSvd.Compute(a);
        int k = Math.Min(m, n);
        Assert.Equal(k, svd.Rank);
        Assert.Equal((m, k), (svd.U.Rows, svd.U.Cols));
        Assert.Equal((k, n), (svd.Vt.Rows, svd.Vt.Cols));
        double rel = MatrixOps.DistanceFrobenius(svd.Reconstruct().Data, a.Data) / a.FrobeniusNorm();
        Assert.True(rel < 5e-6, $"relative reconstruction error {rel}");
        // U = M·V·Σ⁻¹ loses ε·κ(A) of orthogonality in its weakest columns; V stays orthogonal to rounding.
        double kappa = svd.S[0] / svd.S[k - 1];
        Assert.True(MatrixOps.OrthonormalityError(svd.U) < 5e-7 * Math.Max(10, kappa), $"U: {MatrixOps.OrthonormalityError(svd.U)}, κ = {kappa}");
        Assert.True(MatrixOps.OrthonormalityError(svd.Vt.Transpose()) < 2e-6 + (3e-8 * n), $"V: {MatrixOps.OrthonormalityError(svd.Vt.Transpose())}");
        for (int i = 1; i < k; i++)
        {
            Assert.True(svd.S[i - 1] >= svd.S[i]);
        }
    }

    [Fact]
    public void Compute_NonFiniteEntry_ThrowsNamingTheEntry()
    {
        Matrix a = TestMatrices.Gaussian(6, 4, 3);
        a[2, 1] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => JacobiSvd.Compute(a));
        Assert.Contains("NaN at (2, 1)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => JacobiSvd.SingularValues(a));
    }

    [Fact]
    public void Compute_RecoversPrescribedSpectrum_IncludingSmallValues()
    {
        float[] sigma = TestMatrices.Decaying(30, 0.6);
        Matrix a = TestMatrices.WithSpectrum(90, 60, sigma, 11);
        SvdResult svd = JacobiSvd.Compute(a);
        for (int i = 0; i < sigma.Length; i++)
        {
            // High relative accuracy down to σ ≈ 2e-7·σ₁ is not promised in float; 1e-3 relative to σ₁ is.
            Assert.True(Math.Abs(svd.S[i] - sigma[i]) <= 1e-5 + (1e-4 * sigma[i]), $"σ{i}: {svd.S[i]} vs {sigma[i]}");
        }

        float[] values = JacobiSvd.SingularValues(a);
        Assert.Equal(svd.S.Length, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(values[i] - svd.S[i]) <= 1e-5);
        }
    }

    [Fact]
    public void Compute_SignsAreFixed_LargestEntryOfEachUColumnPositive()
    {
        SvdResult svd = JacobiSvd.Compute(TestMatrices.Gaussian(20, 8, 3));
        for (int j = 0; j < svd.Rank; j++)
        {
            float maxAbs = 0;
            float signed = 0;
            for (int i = 0; i < 20; i++)
            {
                if (Math.Abs(svd.U[i, j]) > maxAbs)
                {
                    maxAbs = Math.Abs(svd.U[i, j]);
                    signed = svd.U[i, j];
                }
            }

            Assert.True(signed > 0);
        }
    }
}
