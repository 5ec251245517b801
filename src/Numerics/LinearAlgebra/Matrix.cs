namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// A dense row-major single-precision matrix: element (i, j) is <c>Data[i * Cols + j]</c>. The kernels in this folder
/// take spans and explicit sizes (LAPACK-shaped); this type only carries the array and its shape.
/// </summary>
public sealed class Matrix
{
    /// <summary>Creates a zero matrix of the given shape.</summary>
    public Matrix(int rows, int cols)
        : this(rows, cols, new float[checked(rows * cols)])
    {
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a <paramref name="rows"/>×<paramref name="cols"/> matrix.</summary>
    /// <exception cref="ArgumentException">The array length is not rows·cols.</exception>
    public Matrix(int rows, int cols, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != (long)rows * cols)
        {
            throw new ArgumentException($"A {rows}x{cols} matrix needs {(long)rows * cols} elements, got {data.Length}.", nameof(data));
        }

        Rows = rows;
        Cols = cols;
        Data = data;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>The row-major elements.</summary>
    public float[] Data { get; }

    /// <summary>Element (i, j).</summary>
    public float this[int i, int j]
    {
        get => Data[(i * Cols) + j];
        set => Data[(i * Cols) + j] = value;
    }

    /// <summary>Row <paramref name="i"/> as a span.</summary>
    public Span<float> Row(int i) => Data.AsSpan(i * Cols, Cols);

    /// <summary>A copy of <paramref name="data"/> as a matrix.</summary>
    public static Matrix FromSpan(int rows, int cols, ReadOnlySpan<float> data)
    {
        if (data.Length != (long)rows * cols)
        {
            throw new ArgumentException($"A {rows}x{cols} matrix needs {(long)rows * cols} elements, got {data.Length}.", nameof(data));
        }

        return new Matrix(rows, cols, data.ToArray());
    }

    /// <summary>The identity of size <paramref name="n"/>.</summary>
    public static Matrix Identity(int n)
    {
        var m = new Matrix(n, n);
        for (int i = 0; i < n; i++)
        {
            m.Data[(i * n) + i] = 1f;
        }

        return m;
    }

    /// <summary>A deep copy.</summary>
    public Matrix Clone() => new(Rows, Cols, (float[])Data.Clone());

    /// <summary>The transpose (a new matrix).</summary>
    public Matrix Transpose()
    {
        var t = new Matrix(Cols, Rows);
        MatrixOps.Transpose(Data, Rows, Cols, t.Data);
        return t;
    }

    /// <summary>Columns <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> as a new matrix.</summary>
    public Matrix Columns(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Cols);
        var m = new Matrix(Rows, count);
        for (int i = 0; i < Rows; i++)
        {
            Data.AsSpan((i * Cols) + start, count).CopyTo(m.Data.AsSpan(i * count, count));
        }

        return m;
    }

    /// <summary>Rows <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> as a new matrix.</summary>
    public Matrix RowRange(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Rows);
        return new Matrix(count, Cols, Data.AsSpan(start * Cols, count * Cols).ToArray());
    }

    /// <summary>The Frobenius norm ‖M‖_F, accumulated in double.</summary>
    public double FrobeniusNorm() => MatrixOps.FrobeniusNorm(Data);

    /// <inheritdoc />
    public override string ToString() => $"Matrix {Rows}x{Cols}";
}
