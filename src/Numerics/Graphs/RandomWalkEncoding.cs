namespace Pipelines.Numerics.Graphs;

/// <summary>
/// RWSE (Dwivedi et al., "Graph Neural Networks with Learnable Structural and Positional Representations", ICLR 2022):
/// the return probabilities <c>p_i = [(P)_ii, (P²)_ii, …, (P^k)_ii]</c> of a random walk with transition matrix
/// <c>P = D^{-1} A</c>. Isolated nodes get zeros (PyG's convention, <c>1/deg := 0</c>).
/// </summary>
public static class RandomWalkEncoding
{
    private const int BlockColumns = 64;

    /// <summary>Writes the row-major <c>(n, k)</c> encoding into <paramref name="destination"/>.</summary>
    /// <remarks>Propagates blocks of unit vectors through the sparse <c>P</c>: O(k·|E|·n) time, O(n·64) extra memory.</remarks>
    public static void Compute(GraphStructure graph, int steps, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int n = graph.NodeCount;
        if (destination.Length < n * steps)
        {
            throw new ArgumentException($"Destination has {destination.Length} elements, RWSE needs n·k = {n * steps}.", nameof(destination));
        }

        var invDeg = new double[n];
        for (int i = 0; i < n; i++)
        {
            invDeg[i] = graph.WeightedDegrees[i] > 0 ? 1.0 / graph.WeightedDegrees[i] : 0.0;
        }

        for (int start = 0; start < n; start += BlockColumns)
        {
            int b = Math.Min(BlockColumns, n - start);

            // x[u, c] = probability that a walk started at node (start + c) is at u; x ← Pᵀ x each step.
            var x = new double[n * b];
            var y = new double[n * b];
            for (int c = 0; c < b; c++)
            {
                x[((start + c) * b) + c] = 1.0;
            }

            for (int t = 0; t < steps; t++)
            {
                Array.Clear(y);
                for (int u = 0; u < n; u++)
                {
                    ReadOnlySpan<int> nb = graph.Neighbors(u);
                    ReadOnlySpan<double> w = graph.NeighborWeights(u);
                    for (int e = 0; e < nb.Length; e++)
                    {
                        double p = w[e] * invDeg[u];
                        int v = nb[e];
                        for (int c = 0; c < b; c++)
                        {
                            y[(v * b) + c] += p * x[(u * b) + c];
                        }
                    }
                }

                (x, y) = (y, x);
                for (int c = 0; c < b; c++)
                {
                    int node = start + c;
                    destination[(node * steps) + t] = (float)x[(node * b) + c];
                }
            }
        }
    }
}
