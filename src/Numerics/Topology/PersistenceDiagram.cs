namespace Pipelines.Numerics.Topology;

/// <summary>
/// Persistence diagram of a filtration: intervals of positive length per homology degree 0..<see cref="MaxDimension"/>.
/// Zero-length intervals are never stored (the diagram of a filtration is independent of tie-breaking only
/// once they are dropped).
/// </summary>
public sealed class PersistenceDiagram
{
    private readonly PersistencePair[][] _byDimension;

    /// <summary>Creates a diagram from intervals; each interval's <see cref="PersistencePair.Dimension"/> must be in 0..maxDimension.</summary>
    /// <param name="maxDimension">Highest homology degree that was computed.</param>
    /// <param name="pairs">The intervals (any order; they are sorted by (birth, death)).</param>
    public PersistenceDiagram(int maxDimension, IEnumerable<PersistencePair> pairs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDimension);
        ArgumentNullException.ThrowIfNull(pairs);
        MaxDimension = maxDimension;
        var lists = new List<PersistencePair>[maxDimension + 1];
        for (int d = 0; d <= maxDimension; d++)
        {
            lists[d] = [];
        }

        foreach (PersistencePair p in pairs)
        {
            if ((uint)p.Dimension > (uint)maxDimension)
            {
                throw new ArgumentException($"Pair dimension {p.Dimension} is outside 0..{maxDimension}.", nameof(pairs));
            }

            lists[p.Dimension].Add(p);
        }

        _byDimension = new PersistencePair[maxDimension + 1][];
        for (int d = 0; d <= maxDimension; d++)
        {
            PersistencePair[] a = [.. lists[d]];
            Array.Sort(a, static (x, y) => x.Birth != y.Birth ? x.Birth.CompareTo(y.Birth) : x.Death.CompareTo(y.Death));
            _byDimension[d] = a;
        }
    }

    /// <summary>Gets the highest homology degree computed.</summary>
    public int MaxDimension { get; }

    /// <summary>Gets the total number of intervals over all degrees.</summary>
    public int Count => _byDimension.Sum(static a => a.Length);

    /// <summary>Returns the intervals of degree <paramref name="dimension"/>, sorted by (birth, death); empty above <see cref="MaxDimension"/>.</summary>
    /// <param name="dimension">Homology degree.</param>
    /// <returns>The intervals of that degree.</returns>
    public ReadOnlySpan<PersistencePair> InDimension(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        return dimension <= MaxDimension ? _byDimension[dimension] : [];
    }
}
