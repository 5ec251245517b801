using Pipelines.Numerics.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

public class HouseholderQrTests
{
    [Theory]
    [InlineData(5, 5)]
    [InlineData(50, 7)]
    [InlineData(400, 24)]
    [InlineData(1000, 80)]
    public void Factor_QIsOrthonormal_RIsUpper_QRRebuildsA(int m, int n)
    {
        Matrix a = TestMatrices.Gaussian(m, n, (ulong)(m + n));
        QrFactorization qr = HouseholderQr.Factor(a);
        Assert.True(MatrixOps.OrthonormalityError(qr.Q) < 2e-6, $"QᵀQ − I = {MatrixOps.OrthonormalityError(qr.Q)}");
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                Assert.Equal(0f, qr.R[i, j]);
            }
        }

        Matrix rebuilt = MatrixOps.Multiply(qr.Q, qr.R);
        Assert.True(MatrixOps.DistanceFrobenius(rebuilt.Data, a.Data) / a.FrobeniusNorm() < 1e-6);
    }

    [Fact]
    public void Factor_RankDeficientInput_StillOrthonormal()
    {
        Matrix a = TestMatrices.Gaussian(30, 4, 9);
        for (int i = 0; i < 30; i++)
        {
            a[i, 2] = 0f;
            a[i, 3] = a[i, 0] * 2f;
        }

        QrFactorization qr = HouseholderQr.Factor(a);
        Assert.True(MatrixOps.OrthonormalityError(qr.Q) < 1e-5);
        Assert.True(MatrixOps.DistanceFrobenius(MatrixOps.Multiply(qr.Q, qr.R).Data, a.Data) < 1e-4);
    }

    [Theory]
    [InlineData(1e-20f)]
    [InlineData(1e-30f)]
    [InlineData(1e-40f)] // denormal
    public void Factor_TinyButNonzeroColumn_StaysFinite_AndSvdToo(float tiny)
    {
        // A column of norm ~tiny: its squares underflow float. Q and R must stay finite and rebuild A, and the SVD on
        // top (EVA's incremental PCA hit this with duplicated activation rows) must give finite values.
        Matrix a = TestMatrices.Gaussian(40, 6, 21);
        for (int i = 0; i < 40; i++)
        {
            a[i, 4] *= tiny;
        }

        QrFactorization qr = HouseholderQr.Factor(a);
        Assert.All(qr.Q.Data, v => Assert.True(float.IsFinite(v)));
        Assert.All(qr.R.Data, v => Assert.True(float.IsFinite(v)));
        Assert.True(MatrixOps.DistanceFrobenius(MatrixOps.Multiply(qr.Q, qr.R).Data, a.Data) / a.FrobeniusNorm() < 1e-6);
        SvdResult svd = JacobiSvd.Compute(a.Transpose());
        Assert.All(svd.S, v => Assert.True(float.IsFinite(v)));
        Assert.True(svd.S[^1] < 1e-6 * svd.S[0]);
    }

    [Fact]
    public void Factor_ThrowsForWideMatrix() =>
        Assert.Throws<ArgumentException>(() => HouseholderQr.Factor(new Matrix(3, 5)));
}
