using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Numerics.Tests.LinearAlgebra;

internal static class TestMatrices
{
    public static Matrix Gaussian(int rows, int cols, ulong seed)
    {
        var m = new Matrix(rows, cols);
        new GaussianSampler(seed).Fill(m.Data);
        return m;
    }

    /// <summary>A = U·diag(σ)·Vᵀ with random orthonormal U, V and the given σ.</summary>
    public static Matrix WithSpectrum(int rows, int cols, float[] sigma, ulong seed)
    {
        int k = sigma.Length;
        Matrix u = HouseholderQr.Factor(Gaussian(rows, k, seed)).Q;
        Matrix v = HouseholderQr.Factor(Gaussian(cols, k, seed + 1)).Q;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < k; j++)
            {
                u[i, j] *= sigma[j];
            }
        }

        return MatrixOps.Multiply(u, v, transposeB: true);
    }

    public static float[] Decaying(int count, double rate) =>
        Enumerable.Range(0, count).Select(i => (float)Math.Pow(rate, i)).ToArray();

    public static double[] Naive(Matrix a, bool ta, Matrix b, bool tb)
    {
        int m = ta ? a.Cols : a.Rows;
        int k = ta ? a.Rows : a.Cols;
        int n = tb ? b.Rows : b.Cols;
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    s += (double)(ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]);
                }

                c[(i * n) + j] = s;
            }
        }

        return c;
    }
}
