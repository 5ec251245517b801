namespace Pipelines.Numerics.Graphs;

/// <summary>
/// The symmetric normalised Laplacian <c>L = I − D^{-1/2} A D^{-1/2}</c> of a weighted undirected graph, dense or as a
/// sparse operator. Its eigenvalues lie in <c>[0, 2]</c>.
/// </summary>
/// <remarks>
/// Isolated nodes follow PyG's <c>get_laplacian(normalization="sym")</c>: <c>deg^{-1/2}</c> is set to 0, so the node's
/// row is <c>e_i</c> and it contributes eigenvalue 1 (not 0). A graph with <c>c</c> non-trivial components has
/// eigenvalue 0 with multiplicity <c>c</c>.
/// </remarks>
public static class NormalizedLaplacian
{
    /// <summary><c>D^{-1/2}</c> per node (0 for isolated nodes).</summary>
    public static double[] InverseSqrtDegrees(GraphStructure graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var d = new double[graph.NodeCount];
        for (int i = 0; i < d.Length; i++)
        {
            double deg = graph.WeightedDegrees[i];
            d[i] = deg > 0 ? 1.0 / Math.Sqrt(deg) : 0.0;
        }

        return d;
    }

    /// <summary>Writes the dense <c>n×n</c> Laplacian, row-major, into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <c>n²</c>.</exception>
    public static void Dense(GraphStructure graph, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.NodeCount;
        if (destination.Length < n * n)
        {
            throw new ArgumentException($"Destination has {destination.Length} elements, the Laplacian needs {n * n}.", nameof(destination));
        }

        double[] dis = InverseSqrtDegrees(graph);
        destination[..(n * n)].Clear();
        for (int i = 0; i < n; i++)
        {
            destination[(i * n) + i] = 1.0;
        }

        for (int e = 0; e < graph.EdgeCount; e++)
        {
            int u = graph.EdgeU[e];
            int v = graph.EdgeV[e];
            double value = -graph.EdgeWeights[e] * dis[u] * dis[v];
            destination[(u * n) + v] = value;
            destination[(v * n) + u] = value;
        }
    }

    /// <summary>A new dense row-major <c>n×n</c> Laplacian.</summary>
    public static double[] Dense(GraphStructure graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var l = new double[graph.NodeCount * graph.NodeCount];
        Dense(graph, l);
        return l;
    }

    /// <summary>Computes <c>y = L x</c> with the sparse structure (cost O(n + |E|)).</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="inverseSqrtDegrees">From <see cref="InverseSqrtDegrees"/>.</param>
    /// <param name="x">Input vector of length <c>n</c>.</param>
    /// <param name="y">Output vector of length <c>n</c> (must not overlap <paramref name="x"/>).</param>
    public static void Multiply(GraphStructure graph, ReadOnlySpan<double> inverseSqrtDegrees, ReadOnlySpan<double> x, Span<double> y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.NodeCount;
        for (int i = 0; i < n; i++)
        {
            double acc = x[i];
            ReadOnlySpan<int> nb = graph.Neighbors(i);
            ReadOnlySpan<double> w = graph.NeighborWeights(i);
            double di = inverseSqrtDegrees[i];
            for (int t = 0; t < nb.Length; t++)
            {
                acc -= w[t] * di * inverseSqrtDegrees[nb[t]] * x[nb[t]];
            }

            y[i] = acc;
        }
    }

    /// <summary>Frobenius norm of <c>L(a) − L(b)</c> for two weightings of graphs with the same node count.</summary>
    public static double FrobeniusDistance(GraphStructure a, GraphStructure b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.NodeCount != b.NodeCount)
        {
            throw new ArgumentException($"Graphs have {a.NodeCount} and {b.NodeCount} nodes.", nameof(b));
        }

        double[] la = Dense(a);
        double[] lb = Dense(b);
        double s = 0;
        for (int i = 0; i < la.Length; i++)
        {
            double d = la[i] - lb[i];
            s += d * d;
        }

        return Math.Sqrt(s);
    }
}
