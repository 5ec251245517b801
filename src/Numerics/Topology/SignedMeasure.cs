namespace Pipelines.Numerics.Topology;

/// <summary>
/// A finite signed point measure μ = Σ_k w_k δ_{(i_k, j_k)} on an n1 × n2 grid of indices, stored densely
/// (weights[i * n2 + j], i along the first parameter, j along the second).
/// </summary>
public sealed class SignedMeasure
{
    private readonly int[] _weights;

    /// <summary>Creates a zero measure on an n1 × n2 grid.</summary>
    /// <param name="rows">n1, the number of grid values of the first parameter.</param>
    /// <param name="columns">n2, the number of grid values of the second parameter.</param>
    public SignedMeasure(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Rows = rows;
        Columns = columns;
        _weights = new int[rows * columns];
    }

    /// <summary>Gets n1.</summary>
    public int Rows { get; }

    /// <summary>Gets n2.</summary>
    public int Columns { get; }

    /// <summary>Gets the dense weights, row-major (n1, n2).</summary>
    public ReadOnlySpan<int> Weights => _weights;

    /// <summary>Gets the weight of the atom at (i, j).</summary>
    /// <param name="i">First-parameter index.</param>
    /// <param name="j">Second-parameter index.</param>
    public int this[int i, int j] => _weights[(i * Columns) + j];

    /// <summary>Gets the total variation Σ |w_k|.</summary>
    public long TotalVariation
    {
        get
        {
            long s = 0;
            foreach (int w in _weights)
            {
                s += Math.Abs(w);
            }

            return s;
        }
    }

    /// <summary>Gets the total mass Σ w_k.</summary>
    public long Mass => _weights.Sum(static w => (long)w);

    /// <summary>Adds <paramref name="weight"/> at (i, j).</summary>
    /// <param name="i">First-parameter index.</param>
    /// <param name="j">Second-parameter index.</param>
    /// <param name="weight">Weight to add.</param>
    public void Add(int i, int j, int weight) => _weights[(i * Columns) + j] += weight;

    /// <summary>Adds another measure on the same grid, times <paramref name="sign"/>.</summary>
    /// <param name="other">Measure to add.</param>
    /// <param name="sign">Multiplier (usually ±1).</param>
    public void Add(SignedMeasure other, int sign)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Rows != Rows || other.Columns != Columns)
        {
            throw new ArgumentException($"Grid {other.Rows}×{other.Columns} does not match {Rows}×{Columns}.", nameof(other));
        }

        for (int k = 0; k < _weights.Length; k++)
        {
            _weights[k] += sign * other._weights[k];
        }
    }

    /// <summary>The non-zero atoms (i, j, w) in row-major order.</summary>
    /// <returns>The atoms.</returns>
    public IEnumerable<(int I, int J, int Weight)> Atoms()
    {
        for (int k = 0; k < _weights.Length; k++)
        {
            if (_weights[k] != 0)
            {
                yield return (k / Columns, k % Columns, _weights[k]);
            }
        }
    }

    /// <summary>
    /// Cumulative sum F(a, b) = μ({(i, j) : i ≤ a, j ≤ b}); for a Hilbert signed measure this is the Hilbert function
    /// (Möbius inversion undone), for an Euler measure the Euler characteristic surface.
    /// </summary>
    /// <returns>Row-major (n1, n2) values.</returns>
    public long[] Cumulative()
    {
        var f = new long[_weights.Length];
        for (int i = 0; i < Rows; i++)
        {
            long row = 0;
            for (int j = 0; j < Columns; j++)
            {
                row += _weights[(i * Columns) + j];
                f[(i * Columns) + j] = row + (i > 0 ? f[((i - 1) * Columns) + j] : 0);
            }
        }

        return f;
    }
}
