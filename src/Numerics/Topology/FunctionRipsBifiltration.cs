namespace Pipelines.Numerics.Topology;

/// <summary>
/// Function-Rips bifiltration of a point cloud: simplex σ enters at f(σ) = (diam σ, max_{v∈σ} c(v)) for a vertex
/// function c (typically a codensity), i.e. R_{r,s} = Rips_r({x : c(x) ≤ s}); edges longer than
/// <see cref="Threshold"/> are never present.
/// </summary>
/// <remarks>
/// Signed measures follow Loiseaux, Scoccola, Carrière, Botnan, Oudot, "Stable vectorization of multiparameter
/// persistent homology using signed barcodes as measures" (NeurIPS 2023).
/// </remarks>
public sealed class FunctionRipsBifiltration
{
    private readonly float[] _function;

    /// <summary>Creates the bifiltration.</summary>
    /// <param name="distances">Pairwise distances of the n points.</param>
    /// <param name="vertexFunction">c(v) per point, length n, finite.</param>
    /// <param name="threshold">Largest edge length kept; null = enclosing radius.</param>
    public FunctionRipsBifiltration(DistanceMatrix distances, ReadOnlySpan<float> vertexFunction, float? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(distances);
        if (vertexFunction.Length != distances.Count)
        {
            throw new ArgumentException($"The vertex function has {vertexFunction.Length} values for {distances.Count} points.", nameof(vertexFunction));
        }

        for (int i = 0; i < vertexFunction.Length; i++)
        {
            if (!float.IsFinite(vertexFunction[i]))
            {
                throw new ArgumentException($"Vertex function value {i} is {vertexFunction[i]}; NaN and infinite values are refused.", nameof(vertexFunction));
            }
        }

        Distances = distances;
        _function = vertexFunction.ToArray();
        Threshold = threshold ?? distances.EnclosingRadius();
    }

    /// <summary>Gets the pairwise distances.</summary>
    public DistanceMatrix Distances { get; }

    /// <summary>Gets the vertex function c.</summary>
    public ReadOnlySpan<float> VertexFunction => _function;

    /// <summary>Gets the edge-length threshold.</summary>
    public float Threshold { get; }

    /// <summary>Edge lengths ≤ <see cref="Threshold"/> (values of the first parameter, for fitting a grid).</summary>
    /// <returns>The edge lengths.</returns>
    public float[] EdgeValues()
    {
        var values = new List<float>();
        foreach (float d in Distances.Lower)
        {
            if (d <= Threshold)
            {
                values.Add(d);
            }
        }

        return [.. values];
    }

    /// <summary>
    /// Hilbert signed measures μ_0..μ_maxDegree on the grid g1 × g2 by the line sweep: for each j the one-parameter
    /// filtration K_j = {σ : snap2(max c) ≤ j} by snap1(diam) is reduced (lines in parallel), and each bar [b, e) adds
    /// δ(b, j) − δ(b, j+1) − δ(e, j) + δ(e, j+1). Bars alive at the end of the grid run to n1 (no atom), or die at
    /// n1 − 1 when <paramref name="zeroPad"/> (every measure then has total mass 0).
    /// </summary>
    /// <param name="rips">Grid of the first parameter (diameter).</param>
    /// <param name="function">Grid of the second parameter (vertex function).</param>
    /// <param name="maxDegree">Highest homology degree.</param>
    /// <param name="zeroPad">Kill infinite bars at the last grid index.</param>
    /// <param name="budget">Pre-flight budget for the largest line (null = default).</param>
    /// <param name="edgeCollapse">
    /// Whether strongly filtration-dominated edges of the snapped bifiltered graph are removed once, before the lines
    /// (<see cref="EdgeCollapseMode.Off"/>: never; On and Auto: always). The measures are the same either way (a
    /// theorem, and tested); the lines then reduce far smaller complexes.
    /// </param>
    /// <param name="cancellation">Checked between lines and inside the collapse.</param>
    /// <returns>One measure per degree 0..maxDegree, each (g1.Count, g2.Count).</returns>
    public SignedMeasure[] HilbertSignedMeasures(FiltrationGrid rips, FiltrationGrid function, int maxDegree, bool zeroPad, ComplexBudget? budget = null, EdgeCollapseMode edgeCollapse = EdgeCollapseMode.On, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(rips);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDegree);
        int n1 = rips.Count;
        int n2 = function.Count;
        int n = Distances.Count;
        var measures = new SignedMeasure[maxDegree + 1];
        for (int d = 0; d <= maxDegree; d++)
        {
            measures[d] = new SignedMeasure(n1, n2);
        }

        if (n == 0)
        {
            return measures;
        }

        float cut = MathF.Min(Threshold, rips.Max);
        RipsComplexEstimate.Compute(Distances, cut, maxDegree).EnsureWithin(budget ?? ComplexBudget.Default);

        // Snapped lower triangle (grid indices as floats; n1 = outside the grid / above threshold).
        ReadOnlySpan<float> lower = Distances.Lower;
        var snapped = new float[lower.Length];
        for (int k = 0; k < lower.Length; k++)
        {
            snapped[k] = lower[k] <= Threshold ? rips.Snap(lower[k]) : n1;
        }

        var level = new int[n];
        for (int v = 0; v < n; v++)
        {
            level[v] = function.Snap(_function[v]);
        }

        if (edgeCollapse != EdgeCollapseMode.Off)
        {
            // Vertices outside the grid never enter: drop their edges so they neither block nor offer a domination.
            for (int v = 0; v < n; v++)
            {
                if (level[v] >= n2)
                {
                    for (int u = 0; u < n; u++)
                    {
                        if (u != v)
                        {
                            snapped[u > v ? (((long)u * (u - 1)) >> 1) + v : (((long)v * (v - 1)) >> 1) + u] = n1;
                        }
                    }
                }
            }

            FiltrationDomination.Collapse(snapped, level, n1, cancellation);
        }

        // Lines whose vertex set does not change share one barcode: compute only where a vertex enters.
        var entering = new bool[n2];
        foreach (int l in level)
        {
            if (l < n2)
            {
                entering[l] = true;
            }
        }

        var bars = new List<PersistencePair>?[n2];
        Parallel.For(0, n2, new ParallelOptions { CancellationToken = cancellation }, j =>
        {
            if (!entering[j])
            {
                return;
            }

            int[] subset = [.. Enumerable.Range(0, n).Where(v => level[v] <= j)];
            var sub = new float[((long)subset.Length * (subset.Length - 1)) >> 1];
            long at = 0;
            for (int a = 1; a < subset.Length; a++)
            {
                long row = ((long)subset[a] * (subset[a] - 1)) >> 1;
                for (int b = 0; b < a; b++)
                {
                    sub[at++] = snapped[row + subset[b]];
                }
            }

            bars[j] = new RipsReducer(DistanceMatrix.Wrap(subset.Length, sub), n1 - 1, maxDegree, cancellation).Compute();
        });

        List<PersistencePair>? current = null;
        for (int j = 0; j < n2; j++)
        {
            current = bars[j] ?? current;
            if (current is null)
            {
                continue;
            }

            foreach (PersistencePair p in current)
            {
                int b = (int)p.Birth;
                int e = p.IsEssential ? (zeroPad ? n1 - 1 : n1) : (int)p.Death;
                if (e <= b)
                {
                    continue;
                }

                AddRectangleCorner(measures[p.Dimension], b, e, j, n1, n2);
            }
        }

        return measures;
    }

    internal static void AddRectangleCorner(SignedMeasure m, int b, int e, int j, int n1, int n2)
    {
        m.Add(b, j, 1);
        if (j + 1 < n2)
        {
            m.Add(b, j + 1, -1);
        }

        if (e < n1)
        {
            m.Add(e, j, -1);
            if (j + 1 < n2)
            {
                m.Add(e, j + 1, 1);
            }
        }
    }

    /// <summary>
    /// Euler signed measure Σ_σ (−1)^{dim σ} δ_{snap f(σ)} over all simplices of dimension ≤
    /// <paramref name="maxSimplexDimension"/> that fall inside the grid; its cumulative sum is the Euler characteristic
    /// of each grid sub-complex. O(#simplices).
    /// </summary>
    /// <param name="rips">Grid of the first parameter.</param>
    /// <param name="function">Grid of the second parameter.</param>
    /// <param name="maxSimplexDimension">Highest simplex dimension enumerated.</param>
    /// <returns>The measure, (g1.Count, g2.Count).</returns>
    public SignedMeasure EulerSignedMeasure(FiltrationGrid rips, FiltrationGrid function, int maxSimplexDimension)
    {
        ArgumentNullException.ThrowIfNull(rips);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSimplexDimension);
        int n1 = rips.Count;
        int n2 = function.Count;
        var m = new SignedMeasure(n1, n2);
        int n = Distances.Count;
        float cut = MathF.Min(Threshold, rips.Max);
        var level = new int[n];
        var neighbors = new List<int>[n];
        for (int v = 0; v < n; v++)
        {
            level[v] = function.Snap(_function[v]);
            neighbors[v] = [];
        }

        for (int v = 0; v < n; v++)
        {
            if (level[v] >= n2)
            {
                continue;
            }

            for (int u = v + 1; u < n; u++)
            {
                if (level[u] < n2 && Distances[u, v] <= cut)
                {
                    neighbors[v].Add(u);
                }
            }
        }

        var stack = new int[maxSimplexDimension + 1];
        for (int v = 0; v < n; v++)
        {
            if (level[v] < n2)
            {
                stack[0] = v;
                Expand(stack, 1, 0f, level[v], neighbors[v], neighbors, level, rips, m, maxSimplexDimension);
            }
        }

        return m;
    }

    private void Expand(int[] stack, int size, float diam, int lvl, List<int> candidates, List<int>[] neighbors, int[] level, FiltrationGrid rips, SignedMeasure m, int maxDim)
    {
        m.Add(rips.Snap(diam), lvl, (size & 1) == 1 ? 1 : -1);
        if (size > maxDim)
        {
            return;
        }

        foreach (int u in candidates)
        {
            float d = diam;
            for (int k = 0; k < size; k++)
            {
                d = MathF.Max(d, Distances[u, stack[k]]);
            }

            // Candidates are neighbours (within the cut) of every vertex on the stack with larger ids.
            stack[size] = u;
            List<int> next = size == maxDim ? [] : Intersect(candidates, neighbors[u]);
            Expand(stack, size + 1, d, Math.Max(lvl, level[u]), next, neighbors, level, rips, m, maxDim);
        }
    }

    private static List<int> Intersect(List<int> a, List<int> b)
    {
        var r = new List<int>();
        int i = 0;
        int j = 0;
        while (i < a.Count && j < b.Count)
        {
            if (a[i] == b[j])
            {
                r.Add(a[i]);
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return r;
    }
}
