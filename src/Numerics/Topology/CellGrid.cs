namespace Pipelines.Numerics.Topology;

/// <summary>
/// Points of a low-dimensional cloud bucketed into a uniform grid of cubic cells of side ≥ a radius r: every pair
/// at distance ≤ r lies in the same or in neighbouring cells (3^d of them), so a radius search measures O(n·k) pairs
/// instead of n(n − 1)/2. The side grows (doubling) until there are at most 4n + 64 cells.
/// </summary>
internal sealed class CellGrid
{
    /// <summary>The largest ambient dimension the grid is used for (3^d neighbouring cells).</summary>
    public const int MaxDimension = 3;

    private readonly int _dimension;
    private readonly int[] _cellOf;
    private readonly int[] _cellStart;
    private readonly int[] _order;
    private readonly int[] _size = new int[MaxDimension];
    private readonly int[] _coordinates;

    public CellGrid(ReadOnlySpan<float> points, int dimension, float radius)
    {
        if (dimension is < 1 or > MaxDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"A cell grid is for 1..{MaxDimension} dimensions.");
        }

        _dimension = dimension;
        int n = points.Length / dimension;
        Span<float> min = stackalloc float[dimension];
        Span<float> max = stackalloc float[dimension];
        min.Fill(float.PositiveInfinity);
        max.Fill(float.NegativeInfinity);
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < dimension; c++)
            {
                min[c] = MathF.Min(min[c], points[(i * dimension) + c]);
                max[c] = MathF.Max(max[c], points[(i * dimension) + c]);
            }
        }

        if (n == 0)
        {
            min.Clear();
            max.Clear();
        }

        double extent = 0;
        for (int c = 0; c < dimension; c++)
        {
            extent = Math.Max(extent, (double)max[c] - min[c]);
        }

        // Side ≥ radius (slightly above, so rounding never puts a pair at distance r two cells apart).
        double side = Math.Max(radius * (1 + 1e-6), extent > 0 ? extent * 1e-9 : 1.0);
        long cells;
        while ((cells = CellCount(min, max, side)) > (4L * n) + 64)
        {
            side *= 2;
        }

        _coordinates = new int[n * dimension];
        _cellOf = new int[n];
        for (int i = 0; i < n; i++)
        {
            int cell = 0;
            for (int c = 0; c < dimension; c++)
            {
                int k = Math.Min((int)((points[(i * dimension) + c] - (double)min[c]) / side), _size[c] - 1);
                _coordinates[(i * dimension) + c] = k;
                cell = (cell * _size[c]) + k;
            }

            _cellOf[i] = cell;
        }

        // Counting sort by cell, stable: each cell lists its points ascending.
        _cellStart = new int[cells + 1];
        foreach (int cell in _cellOf)
        {
            _cellStart[cell + 1]++;
        }

        for (int c = 0; c < cells; c++)
        {
            _cellStart[c + 1] += _cellStart[c];
        }

        _order = new int[n];
        int[] fill = _cellStart[..^1];
        for (int i = 0; i < n; i++)
        {
            _order[fill[_cellOf[i]]++] = i;
        }

        long CellCount(ReadOnlySpan<float> lo, ReadOnlySpan<float> hi, double s)
        {
            long count = 1;
            for (int c = 0; c < dimension; c++)
            {
                _size[c] = (int)Math.Min(((hi[c] - (double)lo[c]) / s) + 1, int.MaxValue / 2);
                count *= _size[c];
                if (count > int.MaxValue / 2)
                {
                    return long.MaxValue;
                }
            }

            return count;
        }
    }

    /// <summary>
    /// Whether a radius search through a grid measures fewer pairs than the whole matrix: some axis spans more than
    /// four radii (otherwise every point's 3^d cells hold most of the cloud, and the matrix route is cheaper).
    /// </summary>
    public static bool Pays(ReadOnlySpan<float> points, int dimension, float radius)
    {
        if (dimension is < 1 or > MaxDimension || !(radius >= 0f) || !float.IsFinite(radius))
        {
            return false;
        }

        for (int c = 0; c < dimension; c++)
        {
            float lo = float.PositiveInfinity;
            float hi = float.NegativeInfinity;
            for (int k = c; k < points.Length; k += dimension)
            {
                lo = MathF.Min(lo, points[k]);
                hi = MathF.Max(hi, points[k]);
            }

            if ((double)hi - lo > 4.0 * radius)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the cells around point <paramref name="i"/>'s (its own included) and returns how many.</summary>
    public int NeighbourCells(int i, Span<int> cells)
    {
        int count = 0;
        int total = 1;
        for (int c = 0; c < _dimension; c++)
        {
            total *= 3;
        }

        for (int k = 0; k < total; k++)
        {
            int cell = 0;
            int code = k;
            bool inside = true;
            for (int c = 0; c < _dimension; c++)
            {
                int x = _coordinates[(i * _dimension) + c] + (code % 3) - 1;
                code /= 3;
                if (x < 0 || x >= _size[c])
                {
                    inside = false;
                    break;
                }

                cell = (cell * _size[c]) + x;
            }

            if (inside)
            {
                cells[count++] = cell;
            }
        }

        return count;
    }

    /// <summary>The points of a cell, ascending.</summary>
    public ReadOnlySpan<int> PointsIn(int cell) => _order.AsSpan(_cellStart[cell], _cellStart[cell + 1] - _cellStart[cell]);
}
