using MathNet.Numerics.LinearAlgebra;

namespace Pipelines.Numerics.Graphs;

/// <summary>
/// Full eigendecomposition of a dense symmetric matrix (MathNet's Householder tridiagonalisation + implicit QL, the
/// LAPACK <c>SYEV</c> approach), eigenvalues ascending; <see cref="Largest(Span{double}, int, int, Span{double}, Span{double})"/> is the own vectorised solver for the top
/// eigenpairs of small matrices (the randomized SVD's Rayleigh–Ritz steps).
/// </summary>
internal static partial class DenseSymmetricEigensolver
{
    /// <summary>Decomposes the row-major <c>n×n</c> symmetric <paramref name="matrix"/> in float64.</summary>
    /// <param name="matrix">Row-major symmetric matrix (only read).</param>
    /// <param name="n">Its order.</param>
    /// <param name="values">All <c>n</c> eigenvalues, ascending.</param>
    /// <returns>Eigenvectors, row-major <c>(n, n)</c>: column <c>j</c> belongs to <c>values[j]</c>.</returns>
    public static double[] Decompose(ReadOnlySpan<double> matrix, int n, out double[] values)
    {
        if (matrix.Length < n * n)
        {
            throw new ArgumentException($"Matrix has {matrix.Length} elements, expected {n}² = {n * n}.", nameof(matrix));
        }

        if (n == 0)
        {
            values = [];
            return [];
        }

        // Row-major symmetric == column-major symmetric.
        Matrix<double> m = Matrix<double>.Build.DenseOfColumnMajor(n, n, matrix[..(n * n)].ToArray());
        var evd = m.Evd(Symmetricity.Symmetric);
        Matrix<double> vecs = evd.EigenVectors;
        return SortAscending(evd.EigenValues.Select(c => c.Real).ToArray(), n, (i, j) => vecs[i, j], out values);
    }

    /// <summary>Decomposes in float32 (for precision-independence checks); results widened to float64.</summary>
    public static double[] DecomposeSingle(ReadOnlySpan<double> matrix, int n, out double[] values)
    {
        if (matrix.Length < n * n)
        {
            throw new ArgumentException($"Matrix has {matrix.Length} elements, expected {n}² = {n * n}.", nameof(matrix));
        }

        if (n == 0)
        {
            values = [];
            return [];
        }

        var data = new float[n * n];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)matrix[i];
        }

        Matrix<float> m = Matrix<float>.Build.DenseOfColumnMajor(n, n, data);
        var evd = m.Evd(Symmetricity.Symmetric);
        Matrix<float> vecs = evd.EigenVectors;
        return SortAscending(evd.EigenValues.Select(c => (double)c.Real).ToArray(), n, (i, j) => vecs[i, j], out values);
    }

    // Orders eigenpairs by ascending eigenvalue (ties by original index, so the order is deterministic) and lays the
    // eigenvectors out row-major as columns: result[i * n + j] = v_j[i].
    private static double[] SortAscending(double[] raw, int n, Func<int, int, double> vector, out double[] values)
    {
        int[] order = Enumerable.Range(0, n).OrderBy(i => raw[i]).ThenBy(i => i).ToArray();
        values = order.Select(i => raw[i]).ToArray();
        var result = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            int src = order[j];
            for (int i = 0; i < n; i++)
            {
                result[(i * n) + j] = vector(i, src);
            }
        }

        return result;
    }
}
