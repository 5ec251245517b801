namespace Pipelines.Numerics.Topology;

/// <summary>
/// Vietoris–Rips persistent homology H0..H_d of a point cloud or distance matrix.
/// </summary>
/// <remarks>
/// The Rips filtration assigns each simplex its diameter (largest pairwise distance) and keeps simplices with
/// diameter ≤ threshold. Computation: union-find for H0; persistent cohomology with implicit coboundaries, clearing,
/// apparent and emergent pairs for d ≥ 1 (Bauer 2021, "Ripser"). Coefficients in Z/2. Zero-length intervals are
/// dropped; intervals alive at the threshold are reported with Death = +∞. Before any simplex is built the size of
/// the complex is estimated (<see cref="RipsComplexEstimate"/>) and refused when over <see cref="RipsOptions.Budget"/>.
/// A cloud of 1 to 3 dimensions with a finite threshold under a quarter of its extent (and no sparsification) never
/// builds the n × n distance matrix: only pairs in neighbouring cells of a grid of side ≥ threshold are measured (same
/// arithmetic, so the same diagram), and an edge collapse then runs on that graph's compressed rows.
/// With <see cref="RipsOptions.EdgeCollapse"/> the Rips graph is first edge-collapsed (same diagram); with
/// <see cref="RipsOptions.SparseApproximation"/> it is first sparsified (<see cref="SparseRips"/>: an approximate
/// diagram, every point within a factor 1/(1 − ε)).
/// </remarks>
public static class RipsPersistence
{
    /// <summary>Computes the diagram of the Rips filtration of row-major points of shape (n, dimension).</summary>
    /// <param name="points">Coordinates, shape (n, dimension), row-major; NaN/∞ refused.</param>
    /// <param name="dimension">Ambient dimension.</param>
    /// <param name="options">Options (null = H0 and H1, enclosing-radius threshold, default budget).</param>
    /// <param name="cancellationToken">Stops the reduction between columns (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The persistence diagram.</returns>
    /// <exception cref="ArgumentException">Non-finite coordinates or a ragged array.</exception>
    /// <exception cref="ComplexBudgetExceededException">The pre-flight estimate is over budget.</exception>
    public static PersistenceDiagram Compute(ReadOnlySpan<float> points, int dimension, RipsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RipsOptions();
        options.Validate();
        if (options.Threshold is { } t && options.SparseApproximation is null && CellGrid.Pays(points, dimension, t))
        {
            DistanceMatrix.CheckPoints(points, dimension);
            RipsGraph graph = RipsGraph.FromPoints(points, dimension, t, degree => RipsComplexEstimate.FromDegrees(degree, t, options.MaxDimension, matrixBytes: 0).EnsureWithin(options.Budget));
            if (options.CollapsesEdges)
            {
                // The collapse runs on the grid's compressed rows (same edge values as on the matrix route).
                graph = EdgeCollapse.Collapse(graph, out _);
            }

            return new PersistenceDiagram(options.MaxDimension, new RipsReducer(graph, null, options.MaxDimension, cancellationToken).Compute());
        }

        if (dimension > 0)
        {
            // The n(n − 1)/2 distance matrix is checked against the budget before it is allocated.
            RipsComplexEstimate.FromPointCount(points.Length / dimension, options.Threshold ?? float.NaN, options.MaxDimension, allPairsAreEdges: false).EnsureWithin(options.Budget);
        }

        return Compute(DistanceMatrix.FromPoints(points, dimension), options, cancellationToken);
    }

    /// <summary>Computes the diagram of the Rips filtration of a distance matrix.</summary>
    /// <param name="distances">Distances.</param>
    /// <param name="options">Options (null = H0 and H1, enclosing-radius threshold, default budget).</param>
    /// <param name="cancellationToken">Stops the reduction between columns (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The persistence diagram.</returns>
    /// <exception cref="ComplexBudgetExceededException">The pre-flight estimate is over budget.</exception>
    public static PersistenceDiagram Compute(DistanceMatrix distances, RipsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(distances);
        options ??= new RipsOptions();
        options.Validate();
        float threshold = options.Threshold ?? distances.EnclosingRadius();

        // A sparse approximation is checked against the budget after sparsifying (the complex actually built).
        DistanceMatrix filtration = options.SparseApproximation is { } epsilon ? SparseRips.Sparsify(distances, epsilon, threshold).Sparse : distances;
        int[] degree = RipsGraph.Degrees(filtration, threshold);
        RipsComplexEstimate.FromDegrees(degree, threshold, options.MaxDimension, 4.0 * filtration.Count * (filtration.Count - 1) / 2).EnsureWithin(options.Budget);
        if (options.CollapsesEdges)
        {
            filtration = EdgeCollapse.Collapse(filtration, threshold).Collapsed;
            degree = RipsGraph.Degrees(filtration, threshold);
        }

        RipsGraph graph = RipsGraph.FromDistances(filtration, threshold, degree);
        return new PersistenceDiagram(options.MaxDimension, new RipsReducer(graph, filtration, options.MaxDimension, cancellationToken).Compute());
    }
}
