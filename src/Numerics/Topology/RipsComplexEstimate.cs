namespace Pipelines.Numerics.Topology;

/// <summary>
/// Pre-flight size estimate of a Vietoris–Rips complex: exact vertex and edge counts, and for k ≥ 2 the upper bound
/// #k-simplices ≤ Σ_v C(deg v, k) / (k + 1) (each k-simplex is a vertex plus k of its neighbours, counted once per vertex).
/// </summary>
/// <param name="Points">Number of points.</param>
/// <param name="Threshold">Edge-length threshold used.</param>
/// <param name="MaxDimension">Highest homology degree requested.</param>
/// <param name="SimplicesPerDimension">Count (k ≤ 1) or upper bound (k ≥ 2) of k-simplices for k = 0..MaxDimension + 1.</param>
/// <param name="StoredSimplices">Σ over k ≤ MaxDimension (the simplices the reduction stores).</param>
/// <param name="EstimatedBytes">Distance matrix + neighbour lists + 48 bytes per stored simplex.</param>
public sealed record RipsComplexEstimate(int Points, float Threshold, int MaxDimension, IReadOnlyList<double> SimplicesPerDimension, double StoredSimplices, double EstimatedBytes)
{
    /// <summary>Bytes budgeted per stored simplex (column entry, simplex list entry, pivot map slot).</summary>
    public const int BytesPerSimplex = 48;

    /// <summary>
    /// Gets a value indicating whether the estimate was made from the point count alone, before any distance was
    /// computed (<see cref="FromPointCount"/>).
    /// </summary>
    public bool BeforeDistances { get; init; }

    /// <summary>
    /// Estimates from the point count alone, in O(1) and before anything is allocated: the distance matrix
    /// (4·n(n − 1)/2 bytes) exactly, and the complex either as its vertices only (a lower bound, used when the distances
    /// will be examined next) or as if every pair were an edge (an upper bound, used where the work between computing
    /// the distances and the exact estimate is itself super-linear).
    /// </summary>
    /// <param name="points">Number of points n.</param>
    /// <param name="threshold">Edge-length threshold (NaN when not known yet, e.g. the enclosing radius).</param>
    /// <param name="maxDimension">Highest homology degree.</param>
    /// <param name="allPairsAreEdges">Count every pair as an edge (and every clique as a simplex).</param>
    /// <returns>The estimate, with <see cref="BeforeDistances"/> set.</returns>
    public static RipsComplexEstimate FromPointCount(int points, float threshold, int maxDimension, bool allPairsAreEdges)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDimension);
        double n = points;
        double pairs = n * (n - 1) / 2;
        var counts = new double[maxDimension + 2];
        counts[0] = n;
        for (int k = 1; k < counts.Length && allPairsAreEdges; k++)
        {
            counts[k] = Choose(points, k + 1);
        }

        double stored = 0;
        for (int k = 0; k <= maxDimension; k++)
        {
            stored += counts[k];
        }

        double edges = counts.Length > 1 ? counts[1] : 0;
        double bytes = (4.0 * pairs) + (8.0 * edges) + (BytesPerSimplex * stored);
        return new RipsComplexEstimate(points, threshold, maxDimension, counts, stored, bytes) { BeforeDistances = true };
    }

    /// <summary>Computes the estimate in O(n²).</summary>
    /// <param name="distances">Distance matrix.</param>
    /// <param name="threshold">Edge-length threshold.</param>
    /// <param name="maxDimension">Highest homology degree.</param>
    /// <returns>The estimate.</returns>
    public static RipsComplexEstimate Compute(DistanceMatrix distances, float threshold, int maxDimension)
    {
        ArgumentNullException.ThrowIfNull(distances);
        return FromDegrees(RipsGraph.Degrees(distances, threshold), threshold, maxDimension, 4.0 * distances.Count * (distances.Count - 1) / 2);
    }

    /// <summary>The estimate from the vertex degrees of the Rips graph, plus <paramref name="matrixBytes"/> for a distance matrix held beside it.</summary>
    internal static RipsComplexEstimate FromDegrees(int[] degree, float threshold, int maxDimension, double matrixBytes)
    {
        int n = degree.Length;
        long edges = 0;
        foreach (int d in degree)
        {
            edges += d;
        }

        edges /= 2;
        var counts = new double[maxDimension + 2];
        counts[0] = n;
        if (counts.Length > 1)
        {
            counts[1] = edges;
        }

        for (int k = 2; k < counts.Length; k++)
        {
            double s = 0;
            foreach (int d in degree)
            {
                s += Choose(d, k);
            }

            counts[k] = s / (k + 1);
        }

        double stored = 0;
        for (int k = 0; k <= maxDimension; k++)
        {
            stored += counts[k];
        }

        double bytes = matrixBytes + (8.0 * edges) + (BytesPerSimplex * stored);
        return new RipsComplexEstimate(n, threshold, maxDimension, counts, stored, bytes);
    }

    /// <summary>Throws <see cref="ComplexBudgetExceededException"/> when the estimate is over <paramref name="budget"/>.</summary>
    /// <param name="budget">The budget.</param>
    public void EnsureWithin(ComplexBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        if ((double)Points * (Points - 1) / 2 > Array.MaxLength)
        {
            throw new ComplexBudgetExceededException(this, budget with { MaxBytes = 4L * Array.MaxLength });
        }

        if (StoredSimplices > budget.MaxSimplices || EstimatedBytes > budget.MaxBytes)
        {
            throw new ComplexBudgetExceededException(this, budget);
        }
    }

    private static double Choose(int n, int k)
    {
        if (k > n)
        {
            return 0;
        }

        double r = 1;
        for (int i = 0; i < k; i++)
        {
            r = r * (n - i) / (i + 1);
        }

        return r;
    }
}
