namespace Pipelines.Numerics.Graphs;

/// <summary>
/// Work budget of one graph's spectrum or fixed encoding (LapPE, RWSE, SPE's eigenpairs), in floating-point
/// multiply-adds. Checked before the work starts (RWSE and the dense eigensolver have exact costs; each Lanczos run is
/// checked before it starts, since its convergence is not known in advance); exceeding it throws a
/// <see cref="PipelinesException"/> of kind <see cref="ErrorKind.Resource"/> naming the estimate.
/// </summary>
/// <param name="MaxOperations">Largest number of multiply-adds allowed per graph.</param>
public sealed record EncodingBudget(double MaxOperations)
{
    /// <summary>Gets the default budget: 10¹⁰ multiply-adds per graph (seconds, not minutes, on one core).</summary>
    public static EncodingBudget Default { get; } = new(1e10);

    /// <summary>Gets a budget without limit.</summary>
    public static EncodingBudget Unlimited { get; } = new(double.PositiveInfinity);

    /// <summary>Multiply-adds of RWSE with <paramref name="steps"/> steps: steps · (directed edges) · n.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="steps">Random-walk steps k.</param>
    /// <returns>The estimate.</returns>
    public static double RandomWalkOperations(GraphStructure graph, int steps)
    {
        ArgumentNullException.ThrowIfNull(graph);
        double directed = 0;
        for (int u = 0; u < graph.NodeCount; u++)
        {
            directed += graph.Neighbors(u).Length;
        }

        return (double)steps * (directed + graph.NodeCount) * graph.NodeCount;
    }

    /// <summary>Multiply-adds of the dense symmetric eigensolver with vectors: about 9n³.</summary>
    /// <param name="nodes">Node count n.</param>
    /// <returns>The estimate.</returns>
    public static double DenseEigenOperations(int nodes) => 9.0 * nodes * nodes * nodes;

    /// <summary>Throws when <paramref name="operations"/> exceeds <see cref="MaxOperations"/>.</summary>
    /// <param name="operations">The estimate.</param>
    /// <param name="what">What would run, e.g. <c>RWSE (k = 16) on a 50,000-node graph with 100,000 edges</c>.</param>
    /// <exception cref="PipelinesException">Kind <see cref="ErrorKind.Resource"/>: over budget.</exception>
    public void EnsureWithin(double operations, string what)
    {
        if (operations > MaxOperations)
        {
            throw new PipelinesException(
                ErrorKind.Resource,
                $"{what} refused: it needs ~{operations:G3} multiply-adds, over the budget of {MaxOperations:G3} per graph. " +
                "Lower --k, use a smaller graph or another encoding, or raise the budget (--max-gops; EncodingBudget in code).");
        }
    }

    /// <summary>A description of <paramref name="graph"/> for messages: node and edge counts.</summary>
    internal static string Describe(GraphStructure graph)
    {
        long directed = 0;
        for (int u = 0; u < graph.NodeCount; u++)
        {
            directed += graph.Neighbors(u).Length;
        }

        return $"a {graph.NodeCount:N0}-node graph with {directed / 2:N0} edges";
    }
}
