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

    [Fact]
    public void Factor_ThrowsForWideMatrix() =>
        Assert.Throws<ArgumentException>(() => HouseholderQr.Factor(new Matrix(3, 5)));
}
