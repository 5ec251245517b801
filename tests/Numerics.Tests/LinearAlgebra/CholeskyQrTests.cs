using Pipelines.Numerics.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

public class CholeskyQrTests
{
    [Theory]
    [InlineData(500, 16)]
    [InlineData(1536, 64)]
    [InlineData(70, 70)]
    public void TryFactor_WellConditioned_OrthonormalQ_ReproducesY(int m, int l)
    {
        Matrix y = TestMatrices.Gaussian(m, l, 11);
        Assert.True(CholeskyQr.TryFactor(y, 1, out Matrix? q, out Matrix? r));
        Assert.True(MatrixOps.OrthonormalityError(q) < 1e-5, $"‖QᵀQ − I‖ = {MatrixOps.OrthonormalityError(q)}");
        for (int i = 0; i < l; i++)
        {
            Assert.True(r[i, i] > 0);
            for (int j = 0; j < i; j++)
            {
                Assert.Equal(0f, r[i, j]);
            }
        }

        Matrix qr = MatrixOps.Multiply(q, r);
        for (int i = 0; i < y.Data.Length; i++)
        {
            Assert.True(Math.Abs(qr.Data[i] - y.Data[i]) <= 1e-5 * Math.Sqrt(l) * 4, $"element {i}: {qr.Data[i]} vs {y.Data[i]}");
        }
    }

    [Fact]
    public void TryFactor_GradedColumns_StillOrthonormal()
    {
        // κ(Y) ≈ 10⁴: beyond a float Gram matrix (ε_f·κ² ≈ 10), within the double one; the second pass restores orthogonality.
        Matrix y = TestMatrices.WithSpectrum(800, 32, TestMatrices.Decaying(32, 0.74), 3);
        Assert.True(CholeskyQr.TryFactor(y, 1, out Matrix? q, out _));
        Assert.True(MatrixOps.OrthonormalityError(q) < 1e-5, $"‖QᵀQ − I‖ = {MatrixOps.OrthonormalityError(q)}");
    }

    [Fact]
    public void TryBasis_SpansY()
    {
        Matrix y = TestMatrices.Gaussian(400, 24, 12);
        Assert.True(CholeskyQr.TryBasis(y, 1, out Matrix? q));

        // Y − Q·(QᵀY) vanishes when span Q = span Y, even if Q is orthonormal only to κ·ε_f.
        Assert.True(MatrixOps.OrthonormalityError(q) < 1e-4);
        Matrix proj = MatrixOps.Multiply(q, MatrixOps.Multiply(q, y, transposeA: true));
        for (int i = 0; i < y.Data.Length; i++)
        {
            Assert.True(Math.Abs(proj.Data[i] - y.Data[i]) <= 1e-4, $"element {i}: {proj.Data[i]} vs {y.Data[i]}");
        }
    }

    [Fact]
    public void TryFactor_DependentOrZeroColumns_Refuses()
    {
        Matrix y = TestMatrices.Gaussian(300, 8, 13);
        for (int i = 0; i < y.Rows; i++)
        {
            y[i, 5] = y[i, 2];
        }

        Assert.False(CholeskyQr.TryFactor(y, 1, out _, out _));
        Assert.False(CholeskyQr.TryBasis(y, 1, out _));
        Assert.False(CholeskyQr.TryFactor(new Matrix(50, 4), 1, out _, out _));
    }
}
