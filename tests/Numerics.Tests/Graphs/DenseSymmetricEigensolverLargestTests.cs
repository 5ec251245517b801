using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Numerics.Tests.LinearAlgebra;
using Xunit;

namespace Pipelines.Numerics.Tests.Graphs;

public class DenseSymmetricEigensolverLargestTests
{
    // A = V·diag(λ)·Vᵀ with a random orthogonal V (Householder Q of a Gaussian, float rounded then re-orthonormalised in double).
    private static double[] WithEigenvalues(double[] lambda, ulong seed)
    {
        int n = lambda.Length;
        double[] v = Orthogonal(n, seed);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < n; p++)
                {
                    s += v[(i * n) + p] * lambda[p] * v[(j * n) + p];
                }

                a[(i * n) + j] = s;
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                a[(i * n) + j] = a[(j * n) + i];
            }
        }

        return a;
    }

    private static double[] Orthogonal(int n, ulong seed)
    {
        Matrix g = TestMatrices.Gaussian(n, n, seed);
        double[] q = g.Data.Select(x => (double)x).ToArray();
        // Modified Gram–Schmidt twice on the columns, in double.
        for (int pass = 0; pass < 2; pass++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < j; p++)
                {
                    double dot = 0;
                    for (int i = 0; i < n; i++)
                    {
                        dot += q[(i * n) + p] * q[(i * n) + j];
                    }

                    for (int i = 0; i < n; i++)
                    {
                        q[(i * n) + j] -= dot * q[(i * n) + p];
                    }
                }

                double norm = 0;
                for (int i = 0; i < n; i++)
                {
                    norm += q[(i * n) + j] * q[(i * n) + j];
                }

                norm = Math.Sqrt(norm);
                for (int i = 0; i < n; i++)
                {
                    q[(i * n) + j] /= norm;
                }
            }
        }

        return q;
    }

    private static double[] RandomSymmetric(int n, ulong seed)
    {
        Matrix g = TestMatrices.Gaussian(n, n, seed);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[(i * n) + j] = 0.5 * ((double)g[i, j] + g[j, i]);
            }
        }

        return a;
    }

    private static (double[] Values, double[] Vectors) Largest(double[] a, int n, int k)
    {
        double[] values = new double[k];
        double[] vectors = new double[n * k];
        DenseSymmetricEigensolver.Largest((double[])a.Clone(), n, k, values, vectors);
        return (values, vectors);
    }

    // max |VᵀV − I| and max |A·V − V·Λ| / max(1, |λ|max).
    private static (double Orthogonality, double Residual) Check(double[] a, int n, int k, double[] values, double[] vectors)
    {
        double orth = 0;
        for (int s = 0; s < k; s++)
        {
            for (int t = 0; t < k; t++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++)
                {
                    dot += vectors[(i * k) + s] * vectors[(i * k) + t];
                }

                orth = Math.Max(orth, Math.Abs(dot - (s == t ? 1 : 0)));
            }
        }

        double scale = Math.Max(1, values.Select(Math.Abs).DefaultIfEmpty(0).Max());
        double res = 0;
        for (int t = 0; t < k; t++)
        {
            for (int i = 0; i < n; i++)
            {
                double av = 0;
                for (int p = 0; p < n; p++)
                {
                    av += a[(i * n) + p] * vectors[(p * k) + t];
                }

                res = Math.Max(res, Math.Abs(av - (values[t] * vectors[(i * k) + t])) / scale);
            }
        }

        return (orth, res);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(40)]
    [InlineData(97)]
    [InlineData(192)]
    public void Largest_KnownSpectrum_ValuesDescending_OrthonormalVectors_SmallResidual(int n)
    {
        double[] lambda = Enumerable.Range(0, n).Select(i => Math.Pow(0.93, i) * (i % 3 == 0 ? 1 : -1) * 5).ToArray();
        double[] a = WithEigenvalues(lambda, (ulong)n);
        int k = Math.Max(1, n / 2);
        (double[] values, double[] vectors) = Largest(a, n, k);
        double[] expected = lambda.OrderDescending().Take(k).ToArray();
        for (int t = 0; t < k; t++)
        {
            Assert.True(Math.Abs(values[t] - expected[t]) <= 1e-12 * 5 * n, $"λ[{t}] = {values[t]}, expected {expected[t]}");
        }

        (double orth, double res) = Check(a, n, k, values, vectors);
        Assert.True(orth < 1e-13 * n, $"‖VᵀV − I‖ = {orth}");
        Assert.True(res < 1e-13 * n, $"‖AV − VΛ‖ = {res}");
    }

    [Fact]
    public void Largest_TinyMatrices_ClosedForm()
    {
        (double[] v1, double[] x1) = Largest([-3.5], 1, 1);
        Assert.Equal(-3.5, v1[0]);
        Assert.Equal(1.0, Math.Abs(x1[0]));

        // [[2, 1], [1, 2]]: 3 with (1, 1)/√2, 1 with (1, −1)/√2.
        (double[] v2, double[] x2) = Largest([2, 1, 1, 2], 2, 2);
        Assert.Equal(3.0, v2[0], 12);
        Assert.Equal(1.0, v2[1], 12);
        Assert.Equal(1 / Math.Sqrt(2), Math.Abs(x2[0]), 12);
        Assert.Equal(x2[0], x2[2], 12);
        Assert.Equal(-x2[1], x2[3], 12);

        // Diagonal input: already tridiagonal with e = 0, no QL sweep.
        (double[] v3, double[] x3) = Largest([1, 0, 0, 0, 5, 0, 0, 0, 3], 3, 3);
        Assert.Equal([5.0, 3.0, 1.0], v3);
        Assert.Equal(1.0, Math.Abs(x3[(1 * 3) + 0]));
        Assert.Equal(1.0, Math.Abs(x3[(2 * 3) + 1]));
        Assert.Equal(1.0, Math.Abs(x3[(0 * 3) + 2]));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(80)]
    public void Largest_DegenerateAndClusteredEigenvalues_StayOrthonormal(int n)
    {
        // Three-fold 4, a cluster 2 ± 1e-11, a block of zeros: the eigenvectors of a repeated value span its space.
        double[] lambda = Enumerable.Range(0, n).Select(i => i < 3 ? 4.0 : i < 6 ? 2 + ((i - 4) * 1e-11) : i < n / 2 ? 1.0 / i : 0.0).ToArray();
        double[] a = WithEigenvalues(lambda, 99);
        (double[] values, double[] vectors) = Largest(a, n, n);
        double[] expected = lambda.OrderDescending().ToArray();
        for (int t = 0; t < n; t++)
        {
            Assert.True(Math.Abs(values[t] - expected[t]) <= 1e-13 * n, $"λ[{t}] = {values[t]}, expected {expected[t]}");
        }

        (double orth, double res) = Check(a, n, n, values, vectors);
        Assert.True(orth < 1e-13 * n, $"‖VᵀV − I‖ = {orth}");
        Assert.True(res < 1e-13 * n, $"‖AV − VΛ‖ = {res}");

        // The zero matrix and the identity: every vector is an eigenvector, the result must still be an orthonormal basis.
        foreach (double diagonal in new[] { 0.0, 1.0 })
        {
            double[] m = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                m[(i * n) + i] = diagonal;
            }

            (double[] dv, double[] dx) = Largest(m, n, n);
            Assert.All(dv, x => Assert.Equal(diagonal, x));
            Assert.True(Check(m, n, n, dv, dx).Orthogonality < 1e-14);
        }
    }

    [Theory]
    [InlineData(5, 11)]
    [InlineData(33, 12)]
    [InlineData(72, 13)]
    public void Largest_RandomSymmetric_AgreesWithMathNetAndJacobi(int n, ulong seed)
    {
        double[] a = RandomSymmetric(n, seed);
        (double[] values, double[] vectors) = Largest(a, n, n);
        _ = DenseSymmetricEigensolver.Decompose(a, n, out double[] reference); // ascending
        for (int t = 0; t < n; t++)
        {
            Assert.True(Math.Abs(values[t] - reference[n - 1 - t]) < 1e-12 * n, $"λ[{t}] = {values[t]} vs MathNet {reference[n - 1 - t]}");
        }

        (double orth, double res) = Check(a, n, n, values, vectors);
        Assert.True(orth < 1e-13 * n && res < 1e-13 * n, $"orth {orth}, residual {res}");

        // A² is positive semi-definite: its eigenvalues are the squares of A's singular values, which JacobiSvd gives in float.
        var af = new Matrix(n, n, a.Select(x => (float)x).ToArray());
        float[] sv = JacobiSvd.SingularValues(af);
        double[] sq = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < n; p++)
                {
                    s += (double)af[i, p] * af[p, j];
                }

                sq[(i * n) + j] = s;
            }
        }

        (double[] squares, _) = Largest(sq, n, n);
        for (int t = 0; t < n; t++)
        {
            Assert.True(Math.Abs(Math.Sqrt(Math.Max(0, squares[t])) - sv[t]) <= 1e-5 * sv[0], $"σ[{t}] = {Math.Sqrt(squares[t])} vs Jacobi {sv[t]}");
        }
    }

    [Fact]
    public void Largest_SameInput_SameBits()
    {
        double[] a = RandomSymmetric(50, 4);
        (double[] v1, double[] x1) = Largest(a, 50, 20);
        (double[] v2, double[] x2) = Largest(a, 50, 20);
        Assert.Equal(v1, v2);
        Assert.Equal(x1, x2);
    }
}
