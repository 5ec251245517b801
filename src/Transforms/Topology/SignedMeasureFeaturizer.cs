using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>Fitted state of the signed-measure transformer (options + frozen grids) and the per-row computation.</summary>
internal sealed class SignedMeasureFeaturizer : ITopologyRowMapper
{
    private const int MaxEdgeValuesPerRow = 4096;

    public SignedMeasureFeaturizer(SignedMeasureOptions options, FiltrationGrid grid1, FiltrationGrid grid2)
    {
        Options = options;
        Grid1 = grid1;
        Grid2 = grid2;
    }

    public SignedMeasureOptions Options { get; }

    public FiltrationGrid Grid1 { get; }

    public FiltrationGrid Grid2 { get; }

    public string InputColumnName => Options.InputColumnName ?? Options.OutputColumnName;

    public string? NodeCountColumnName => (Options.Input as GraphInput)?.NodeCountColumnName;

    public string? NodeLabelColumnName => (Options.Input as GraphInput)?.NodeLabelColumnName;

    public string OutputColumnName => Options.OutputColumnName;

    public int OutputLength => Options.OutputLength;

    /// <summary>Fits both grids on the filtration values of the training rows.</summary>
    public static SignedMeasureFeaturizer Fit(SignedMeasureOptions options, IEnumerable<TopologyRow> rows)
    {
        (float[] first, float[] second) = FiltrationValues(options, rows, row => Preflight(options, row), "signed-measure grids");
        var grid1 = FiltrationGrid.Fit(first, options.GridStrategy, options.GridResolution, options.DropQuantile);
        var grid2 = FiltrationGrid.Fit(second, options.GridStrategy, options.GridResolution, options.DropQuantile);
        if (options.Invariant == SignedMeasureInvariant.Rank)
        {
            // O(grid⁴) per row: refuse before featurising anything.
            RankInvariant.EnsureWithin(grid1.Count, grid2.Count, options.MeasureCount, options.Budget);
        }

        return new SignedMeasureFeaturizer(options, grid1, grid2);
    }

    /// <summary>
    /// The filtration values of the training rows that grids (and the MMA box) are fitted on: sampled edge values and 0
    /// for the first parameter, vertex function values for the second; every row passes <paramref name="preflight"/>
    /// before any bifiltration is built.
    /// </summary>
    /// <exception cref="InvalidOperationException">The rows hold no points or nodes (<paramref name="what"/> names what is fitted).</exception>
    internal static (float[] First, float[] Second) FiltrationValues(SignedMeasureOptions options, IEnumerable<TopologyRow> rows, Action<TopologyRow> preflight, string what)
    {
        var first = new List<float>();
        var second = new List<float>();
        IReadOnlyCollection<TopologyRow> all = rows as IReadOnlyCollection<TopologyRow> ?? [.. rows];
        foreach (TopologyRow row in all)
        {
            preflight(row);
        }

        foreach (TopologyRow row in all)
        {
            switch (Build(options, row))
            {
                case FunctionRipsBifiltration f:
                    float[] edges = f.EdgeValues();
                    int stride = Math.Max(1, edges.Length / MaxEdgeValuesPerRow);
                    for (int k = 0; k < edges.Length; k += stride)
                    {
                        first.Add(edges[k]);
                    }

                    first.Add(0f);
                    second.AddRange(f.VertexFunction);
                    break;
                case GraphBifiltration g:
                    first.AddRange(g.F1);
                    second.AddRange(g.F2);
                    break;
                case GraphBifiltration[] signs:
                    // Sublevel × time: values of x and −x; the time axis is [0, 1] whatever the lengths.
                    foreach (GraphBifiltration g in signs)
                    {
                        first.AddRange(g.F1);
                    }

                    second.Add(0f);
                    second.Add(1f);
                    break;
            }
        }

        if (first.Count == 0 || second.Count == 0)
        {
            throw new InvalidOperationException($"Cannot fit the {what} on column '{options.InputColumnName ?? options.OutputColumnName}': the training rows contain no points or nodes.");
        }

        return ([.. first], [.. second]);
    }

    /// <summary>
    /// The signed measures of one row on <see cref="Grid1"/> × <see cref="Grid2"/>: one per homology degree
    /// 0…MaxDegree for the Hilbert invariant, one for the Euler characteristic.
    /// </summary>
    public SignedMeasure[] Measures(TopologyRow row)
    {
        if (Options.Invariant == SignedMeasureInvariant.Rank)
        {
            throw new InvalidOperationException("The rank invariant gives a signed barcode (signed rectangles), not a signed point measure; its features come from Featurize.");
        }

        Preflight(Options, row);
        return Build(Options, row) switch
        {
            FunctionRipsBifiltration f => Options.Invariant == SignedMeasureInvariant.Hilbert
                ? f.HilbertSignedMeasures(Grid1, Grid2, Options.MaxDegree, Options.ZeroPad, Options.Budget)
                : [f.EulerSignedMeasure(Grid1, Grid2, Options.MaxDegree + 1)],
            GraphBifiltration g => Options.Invariant == SignedMeasureInvariant.Hilbert
                ? g.HilbertSignedMeasures(Grid1, Grid2, Options.ZeroPad)[..(Options.MaxDegree + 1)]
                : [g.EulerSignedMeasure(Grid1, Grid2)],
            GraphBifiltration[] signs => [.. signs.Select(g => Options.Invariant == SignedMeasureInvariant.Hilbert
                ? g.HilbertSignedMeasures(Grid1, Grid2, Options.ZeroPad)[0]
                : g.EulerSignedMeasure(Grid1, Grid2))],
            _ => throw new InvalidOperationException("Unknown bifiltration."),
        };
    }

    public void Featurize(TopologyRow row, Span<float> destination)
    {
        MeasureBox box = MeasureBox.Of(Grid1, Grid2);
        int per = Options.VectorLengthPerMeasure;
        if (Options.Invariant == SignedMeasureInvariant.Rank)
        {
            Preflight(Options, row);
            RankInvariant[] ranks = Build(Options, row) switch
            {
                FunctionRipsBifiltration f => RankInvariant.Compute(f, Grid1, Grid2, Options.MaxDegree, Options.Budget),
                GraphBifiltration g => RankInvariant.Compute(g, Grid1, Grid2, Options.Budget)[..(Options.MaxDegree + 1)],
                GraphBifiltration[] signs => [.. signs.Select(g => RankInvariant.Compute(g, Grid1, Grid2, Options.Budget)[0])],
                _ => throw new InvalidOperationException("Unknown bifiltration."),
            };
            for (int m = 0; m < ranks.Length; m++)
            {
                (float[] points, float[] weights) = SignedBarcode.FromRankInvariant(ranks[m]).ToUnitPoints(Grid1, Grid2, box);
                Span<float> slot = destination.Slice(m * per, per);
                if (Options.Vectorizer == SignedMeasureVectorizer.Convolution)
                {
                    SignedBarcodeFeatures.Convolution(points, weights, Options.OutputResolution, Options.Bandwidth, slot);
                }
                else
                {
                    SignedBarcodeFeatures.SlicedWasserstein(points, weights, Options.Directions, Options.Bins, slot);
                }
            }

            return;
        }

        SignedMeasure[] measures = Measures(row);
        for (int m = 0; m < measures.Length; m++)
        {
            MeasureAtom[] atoms = MeasureAtom.FromGrid(measures[m], Grid1, Grid2);
            Span<float> slot = destination.Slice(m * per, per);
            if (Options.Vectorizer == SignedMeasureVectorizer.Convolution)
            {
                SignedMeasureConvolution.Compute(atoms, box, Options.OutputResolution, Options.Bandwidth, slot);
            }
            else
            {
                SlicedWassersteinFeatures.Compute(atoms, box, Options.Directions, Options.Bins, slot);
            }
        }
    }

    /// <summary>
    /// Refuses a point cloud or delay-embedded series whose Rips bifiltration cannot fit <see cref="SignedMeasureOptions.Budget"/>,
    /// from the point count alone (before the distance matrix, the codensity and the per-line reductions). Without a
    /// threshold (the enclosing radius) every pair is counted as an edge.
    /// </summary>
    internal static void Preflight(SignedMeasureOptions options, TopologyRow row)
    {
        int points = options.Input switch
        {
            PointCloudInput pc => row.Values.Length / pc.PointDimension,
            TimeSeriesInput { IsDelayEmbedding: true } ts => DelayEmbedding.PointCount(row.Values.Length, ts.Dimension, ts.Delay, ts.Skip),
            _ => 0,
        };
        if (points > 1)
        {
            RipsComplexEstimate.FromPointCount(points, options.Threshold ?? float.NaN, options.MaxDegree, allPairsAreEdges: options.Threshold is null)
                .EnsureWithin(options.Budget);
        }
    }

    internal static object Build(SignedMeasureOptions options, TopologyRow row)
    {
        switch (options.Input)
        {
            case GraphInput gi:
                GraphStructure graph = ReadGraph(row);
                if (gi.NeedsNodeLabels && (row.NodeLabels is null || row.NodeLabels.Length != graph.NodeCount))
                {
                    throw new ArgumentException($"The electronegativity needs one node label (atomic number) per node from column '{gi.NodeLabelColumnName}': got {row.NodeLabels?.Length ?? 0} for {graph.NodeCount} nodes.");
                }

                return new GraphBifiltration(
                    graph,
                    GraphVertexFunction.Compute(graph, gi.First, gi.HeatTime, row.NodeLabels),
                    GraphVertexFunction.Compute(graph, gi.Second, gi.HeatTime, row.NodeLabels));
            case PointCloudInput pc:
                if (row.Values.Length % pc.PointDimension != 0)
                {
                    throw new ArgumentException($"A point cloud of dimension {pc.PointDimension} cannot have {row.Values.Length} coordinates.");
                }

                return Rips(options, row.Values, pc.PointDimension);
            case TimeSeriesInput { IsDelayEmbedding: false } ts:
                return SublevelTime(ts, row);
            case TimeSeriesInput ts:
                return Rips(options, DelayEmbedding.Embed(row.Values, ts.Dimension, ts.Delay, ts.Skip), ts.Dimension);
            default:
                throw new InvalidOperationException("Unknown topology input.");
        }
    }

    /// <summary>The sublevel × time bifiltrations of a series row: [x, −x] (or of its first difference).</summary>
    private static GraphBifiltration[] SublevelTime(TimeSeriesInput input, TopologyRow row)
    {
        if (row.Values.Length == 0)
        {
            throw new ArgumentException("A series row needs at least one value.");
        }

        float[] x = input.FilteredSeries(row.Values);
        float[] negated = [.. x.Select(v => -v)];
        return [GraphBifiltration.OfSeries(x), GraphBifiltration.OfSeries(negated)];
    }

    private static FunctionRipsBifiltration Rips(SignedMeasureOptions options, float[] points, int dim)
    {
        DistanceMatrix dm = DistanceMatrix.FromPoints(points, dim);
        float[] c = Codensity.Compute(dm, dim, options.Codensity, options.CodensityParameter);
        return new FunctionRipsBifiltration(dm, c, options.Threshold);
    }

    private static GraphStructure ReadGraph(TopologyRow row)
    {
        if (row.Values.Length % 2 != 0)
        {
            throw new ArgumentException($"An edge list needs an even number of values, got {row.Values.Length}.");
        }

        var edges = new (int, int)[row.Values.Length / 2];
        for (int k = 0; k < edges.Length; k++)
        {
            float u = row.Values[2 * k];
            float v = row.Values[(2 * k) + 1];
            if (u != MathF.Round(u) || v != MathF.Round(v))
            {
                throw new ArgumentException($"Edge {k} ({u}, {v}) does not hold integer node ids.");
            }

            edges[k] = ((int)u, (int)v);
        }

        return GraphStructure.Canonical(row.NodeCount, edges);
    }
}
