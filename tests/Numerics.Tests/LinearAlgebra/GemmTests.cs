using Pipelines.Numerics.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

public class GemmTests
{
    [Theory]
    [InlineData(1, 1, 1, false, false)]
    [InlineData(7, 5, 3, false, false)]
    [InlineData(13, 37, 19, true, false)]
    [InlineData(13, 37, 19, false, true)]
    [InlineData(29, 70, 300, true, true)]
    [InlineData(200, 33, 600, false, false)]
    [InlineData(64, 1100, 40, false, false)]
    [InlineData(31, 8, 70, true, false)]
    [InlineData(31, 9, 70, false, false)]
    [InlineData(31, 17, 70, true, false)]
    [InlineData(31, 24, 70, false, true)]
    [InlineData(31, 65, 300, false, false)]
    [InlineData(31, 72, 300, true, false)]
    [InlineData(31, 80, 70, false, false)]
    public void Multiply_MatchesNaiveProduct(int m, int n, int k, bool ta, bool tb)
    {
        Matrix a = ta ? TestMatrices.Gaussian(k, m, 1) : TestMatrices.Gaussian(m, k, 1);
        Matrix b = tb ? TestMatrices.Gaussian(n, k, 2) : TestMatrices.Gaussian(k, n, 2);
        Matrix c0 = TestMatrices.Gaussian(m, n, 3);
        double[] expected = TestMatrices.Naive(a, ta, b, tb);
        Matrix c = c0.Clone();
        Gemm.Multiply(a.Data, ta, b.Data, tb, c.Data, m, n, k, alpha: 0.5f, beta: 2f);
        for (int i = 0; i < expected.Length; i++)
        {
            double want = (0.5 * expected[i]) + (2.0 * c0.Data[i]);
            Assert.True(Math.Abs(c.Data[i] - want) <= 1e-4 * Math.Sqrt(k) * 4, $"element {i}: {c.Data[i]} vs {want}");
        }
    }

    [Fact]
    public void Multiply_SingleThreadAndParallel_Agree()
    {
        Matrix a = TestMatrices.Gaussian(300, 500, 4);
        Matrix b = TestMatrices.Gaussian(500, 70, 5);
        var c1 = new Matrix(300, 70);
        var c2 = new Matrix(300, 70);
        Gemm.Multiply(a.Data, false, b.Data, false, c1.Data, 300, 70, 500, maxThreads: 1);
        Gemm.Multiply(a.Data, false, b.Data, false, c2.Data, 300, 70, 500, maxThreads: 4);
        Assert.Equal(c1.Data, c2.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Multiply_NarrowProduct_SameBitsAsColumnsOfAWideOne(bool ta)
    {
        // n ≤ 16 takes the 16-wide tile; every element still sums the same products in the same order.
        Matrix a = ta ? TestMatrices.Gaussian(700, 45, 8) : TestMatrices.Gaussian(45, 700, 8);
        Matrix wide = TestMatrices.Gaussian(700, 40, 9);
        Matrix narrow = wide.Columns(0, 16);
        var cw = new Matrix(45, 40);
        var cn = new Matrix(45, 16);
        Gemm.Multiply(a.Data, ta, wide.Data, false, cw.Data, 45, 40, 700, maxThreads: 1);
        Gemm.Multiply(a.Data, ta, narrow.Data, false, cn.Data, 45, 16, 700, maxThreads: 1);
        Assert.Equal(cw.Columns(0, 16).Data, cn.Data);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(24)]
    [InlineData(65)]
    [InlineData(72)]
    public void Multiply_ColumnsPastATileMultiple_SameBitsAsTheSameColumnsOfAWideProduct(int n)
    {
        // the last few columns take a 16- or 8-wide tile; the first columns' bits do not depend on how many follow.
        Matrix a = TestMatrices.Gaussian(45, 700, 10);
        Matrix wide = TestMatrices.Gaussian(700, 96, 11);
        Matrix narrow = wide.Columns(0, n);
        var cw = new Matrix(45, 96);
        var cn = new Matrix(45, n);
        Gemm.Multiply(a.Data, false, wide.Data, false, cw.Data, 45, 96, 700, alpha: -0.5f, maxThreads: 1);
        Gemm.Multiply(a.Data, false, narrow.Data, false, cn.Data, 45, n, 700, alpha: -0.5f, maxThreads: 1);
        Assert.Equal(cw.Columns(0, n).Data, cn.Data);
    }

    [Fact]
    public void Multiply_BetaZero_IgnoresNaNInDestination()
    {
        Matrix a = TestMatrices.Gaussian(4, 3, 6);
        Matrix b = TestMatrices.Gaussian(3, 2, 7);
        float[] c = [float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN];
        Gemm.Multiply(a.Data, false, b.Data, false, c, 4, 2, 3);
        Assert.DoesNotContain(c, float.IsNaN);
    }

    [Fact]
    public void Multiply_ThrowsForShortSpans()
    {
        float[] a = new float[5];
        float[] b = new float[6];
        float[] c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, false, b, false, c, 2, 2, 3));
    }
}
