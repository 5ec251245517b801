namespace Pipelines.Numerics.Topology;

/// <summary>
/// Symmetric distance matrix with zero diagonal stored as its strict lower triangle, row-major
/// (entry (i, j), i &gt; j, at i(i − 1)/2 + j): 2n(n − 1) bytes for n points.
/// </summary>
public sealed class DistanceMatrix
{
    private readonly float[] _lower;

    private DistanceMatrix(int count, float[] lower)
    {
        Count = count;
        _lower = lower;
    }

    /// <summary>Gets the number of points n.</summary>
    public int Count { get; }

    /// <summary>Gets d(i, j) (0 on the diagonal).</summary>
    /// <param name="i">First point.</param>
    /// <param name="j">Second point.</param>
    public float this[int i, int j]
    {
        get
        {
            if (i == j)
            {
                return 0f;
            }

            return i > j ? _lower[(((long)i * (i - 1)) >> 1) + j] : _lower[(((long)j * (j - 1)) >> 1) + i];
        }
    }

    /// <summary>Gets the strict lower triangle (row-major).</summary>
    internal ReadOnlySpan<float> Lower => _lower;

    /// <summary>
    /// Euclidean distances between the rows of a row-major point array of shape (pointCount, dimension).
    /// </summary>
    /// <param name="points">Coordinates, shape (pointCount, dimension), row-major.</param>
    /// <param name="dimension">Ambient dimension (coordinates per point), ≥ 1.</param>
    /// <returns>The distance matrix.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of <paramref name="dimension"/>, or a coordinate is NaN or infinite.</exception>
    public static DistanceMatrix FromPoints(ReadOnlySpan<float> points, int dimension)
    {
        CheckPoints(points, dimension);
        int n = points.Length / dimension;
        var lower = new float[TriangleLength(n)];
        long at = 0;
        for (int i = 1; i < n; i++)
        {
            ReadOnlySpan<float> xi = points.Slice(i * dimension, dimension);
            for (int j = 0; j < i; j++)
            {
                lower[at++] = Euclidean(xi, points.Slice(j * dimension, dimension));
            }
        }

        return new DistanceMatrix(n, lower);
    }

    /// <summary>Refuses a ragged point array or a non-finite coordinate (the checks of <see cref="FromPoints"/>).</summary>
    internal static void CheckPoints(ReadOnlySpan<float> points, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (points.Length % dimension != 0)
        {
            throw new ArgumentException($"Point array length {points.Length} is not a multiple of the point dimension {dimension}.", nameof(points));
        }

        for (int k = 0; k < points.Length; k++)
        {
            if (!float.IsFinite(points[k]))
            {
                throw new ArgumentException($"Point {k / dimension} has a non-finite coordinate ({points[k]}) at axis {k % dimension}; NaN and infinite coordinates are refused.", nameof(points));
            }
        }
    }

    /// <summary>
    /// The Euclidean distance d(x_i, x_j) as every matrix entry is computed (the point with the larger index first,
    /// squares summed in axis order, then the square root): one arithmetic, so routes that measure pairs on their own
    /// (<see cref="RipsGraph.FromPoints"/>) give bit-identical values.
    /// </summary>
    internal static float Euclidean(ReadOnlySpan<float> xi, ReadOnlySpan<float> xj)
    {
        float s = 0f;
        for (int c = 0; c < xi.Length; c++)
        {
            float t = xi[c] - xj[c];
            s += t * t;
        }

        return MathF.Sqrt(s);
    }

    /// <summary>Wraps a strict lower triangle (row-major, length n(n − 1)/2) of a symmetric matrix.</summary>
    /// <param name="count">Number of points n.</param>
    /// <param name="lowerTriangle">Entries d(i, j), i &gt; j, row by row.</param>
    /// <returns>The distance matrix (copies the input).</returns>
    /// <exception cref="ArgumentException">Wrong length, or an entry is NaN or negative.</exception>
    public static DistanceMatrix FromLowerTriangle(int count, ReadOnlySpan<float> lowerTriangle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long expected = ((long)count * (count - 1)) >> 1;
        if (lowerTriangle.Length != expected)
        {
            throw new ArgumentException($"A lower triangle of {count} points has {expected} entries, got {lowerTriangle.Length}.", nameof(lowerTriangle));
        }

        for (int k = 0; k < lowerTriangle.Length; k++)
        {
            if (float.IsNaN(lowerTriangle[k]) || lowerTriangle[k] < 0f)
            {
                throw new ArgumentException($"Distance entry {k} is {lowerTriangle[k]}; distances must be non-negative numbers (NaN refused).", nameof(lowerTriangle));
            }
        }

        return new DistanceMatrix(count, lowerTriangle.ToArray());
    }

    /// <summary>Restricts to a subset of points (in the given order) and maps every entry through <paramref name="map"/>.</summary>
    internal DistanceMatrix Subset(ReadOnlySpan<int> vertices, Func<float, float>? map = null)
    {
        int m = vertices.Length;
        var lower = new float[TriangleLength(m)];
        long at = 0;
        for (int i = 1; i < m; i++)
        {
            for (int j = 0; j < i; j++)
            {
                float d = this[vertices[i], vertices[j]];
                lower[at++] = map is null ? d : map(d);
            }
        }

        return new DistanceMatrix(m, lower);
    }

    /// <summary>n(n − 1)/2, refused (kind Resource) before allocating when one array cannot hold it.</summary>
    internal static long TriangleLength(int n)
    {
        long length = ((long)n * (n - 1)) >> 1;
        return length <= Array.MaxLength
            ? length
            : throw new PipelinesException(ErrorKind.Resource, $"The distance matrix of {n:N0} points has {length:N0} entries, more than one array can hold ({Array.MaxLength:N0}). Subsample the points.");
    }

    /// <summary>Builds a matrix from an already validated lower triangle without copying.</summary>
    internal static DistanceMatrix Wrap(int count, float[] lowerTriangle) => new(count, lowerTriangle);

    /// <summary>
    /// Enclosing radius min_i max_j d(i, j): above it the Rips complex is a cone, so all homology except one
    /// H0 class is trivial (Ripser's default threshold). 0 for fewer than two points.
    /// </summary>
    /// <returns>The enclosing radius.</returns>
    public float EnclosingRadius()
    {
        if (Count < 2)
        {
            return 0f;
        }

        float best = float.PositiveInfinity;
        for (int i = 0; i < Count; i++)
        {
            float worst = 0f;
            for (int j = 0; j < Count; j++)
            {
                worst = MathF.Max(worst, this[i, j]);
            }

            best = MathF.Min(best, worst);
        }

        return best;
    }
}
