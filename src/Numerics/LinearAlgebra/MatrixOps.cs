using System.Numerics.Tensors;

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>Small helpers on row-major spans: transpose, norms, products of matrices held in <see cref="Matrix"/>.</summary>
public static class MatrixOps
{
    private const int TransposeBlock = 32;

    /// <summary>Writes the transpose of the <paramref name="rows"/>×<paramref name="cols"/> matrix <paramref name="a"/> to <paramref name="destination"/> (cols×rows).</summary>
    /// <exception cref="ArgumentException">A span is shorter than rows·cols.</exception>
    public static void Transpose(ReadOnlySpan<float> a, int rows, int cols, Span<float> destination)
    {
        int n = checked(rows * cols);
        if (a.Length < n || destination.Length < n)
        {
            throw new ArgumentException($"Transpose of a {rows}x{cols} matrix needs {n} elements in and out.");
        }

        for (int i0 = 0; i0 < rows; i0 += TransposeBlock)
        {
            int i1 = Math.Min(rows, i0 + TransposeBlock);
            for (int j0 = 0; j0 < cols; j0 += TransposeBlock)
            {
                int j1 = Math.Min(cols, j0 + TransposeBlock);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++)
                    {
                        destination[(j * rows) + i] = a[(i * cols) + j];
                    }
                }
            }
        }
    }

    /// <summary>√(Σ xᵢ²) accumulated in double.</summary>
    public static double FrobeniusNorm(ReadOnlySpan<float> x)
    {
        double sum = 0;
        const int Chunk = 4096;
        for (int i = 0; i < x.Length; i += Chunk)
        {
            ReadOnlySpan<float> part = x.Slice(i, Math.Min(Chunk, x.Length - i));
            sum += TensorPrimitives.Dot(part, part);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>C = op(A)·op(B) as a new matrix (see <see cref="Gemm.Multiply"/>).</summary>
    public static Matrix Multiply(Matrix a, Matrix b, bool transposeA = false, bool transposeB = false, int maxThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int m = transposeA ? a.Cols : a.Rows;
        int k = transposeA ? a.Rows : a.Cols;
        int kb = transposeB ? b.Cols : b.Rows;
        int n = transposeB ? b.Rows : b.Cols;
        if (k != kb)
        {
            throw new ArgumentException($"Inner dimensions differ: op(A) is {m}x{k}, op(B) is {kb}x{n}.");
        }

        var c = new Matrix(m, n);
        Gemm.Multiply(a.Data, transposeA, b.Data, transposeB, c.Data, m, n, k, 1f, 0f, maxThreads);
        return c;
    }

    /// <summary>‖A − B‖_F for equal-shape matrices, accumulated in double.</summary>
    public static double DistanceFrobenius(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Lengths differ: {a.Length} vs {b.Length}.");
        }

        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>max |Qᵀ·Q − I| for a matrix with orthonormal columns (a diagnostic).</summary>
    public static double OrthonormalityError(Matrix q)
    {
        ArgumentNullException.ThrowIfNull(q);
        Matrix g = Multiply(q, q, transposeA: true);
        double worst = 0;
        for (int i = 0; i < g.Rows; i++)
        {
            for (int j = 0; j < g.Cols; j++)
            {
                worst = Math.Max(worst, Math.Abs(g[i, j] - (i == j ? 1.0 : 0.0)));
            }
        }

        return worst;
    }
}
