using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>Fitted state of the MMA transformer (options + frozen box) and the per-row computation.</summary>
internal sealed class MmaFeaturizer : ITopologyRowMapper
{

    public MmaFeaturizer(MmaOptions options, MeasureBox box)
    {
        Options = options;
        Box = box;
    }

    public MmaOptions Options { get; }

    /// <summary>Gets the box fitted on the training rows; every row is mapped by it onto the unit square.</summary>
    public MeasureBox Box { get; }

    public string InputColumnName => Options.InputColumnName ?? Options.OutputColumnName;

    public string? NodeCountColumnName => (Options.Input as GraphInput)?.NodeCountColumnName;

    public string? NodeLabelColumnName => (Options.Input as GraphInput)?.NodeLabelColumnName;

    public string OutputColumnName => Options.OutputColumnName;

    public int OutputLength => Options.OutputLength;

    /// <summary>Fits the box on the filtration values of the training rows (1% tails dropped by default).</summary>
    public static MmaFeaturizer Fit(MmaOptions options, IEnumerable<TopologyRow> rows)
    {
        (float[] first, float[] second) = SignedMeasureFeaturizer.FiltrationValues(options.Bifiltration(), rows, row => Preflight(options, row), "MMA box");

        // A regular 2-value grid after dropping the tails is exactly [low quantile, high quantile].
        FiltrationGrid g1 = FiltrationGrid.Fit(first, GridStrategy.Regular, 2, options.DropQuantile);
        FiltrationGrid g2 = FiltrationGrid.Fit(second, GridStrategy.Regular, 2, options.DropQuantile);
        return new MmaFeaturizer(options, MeasureBox.Of(g1, g2));
    }

    /// <summary>The decomposition of one row, in unit-square coordinates of the fitted box.</summary>
    public MmaModule Decompose(TopologyRow row)
    {
        Preflight(Options, row);
        var mma = new ModuleApproximationOptions { Precision = Options.Precision, MaxDegree = Options.MaxDegree, Box = Box, Normalize = true, Budget = Options.Budget };
        return SignedMeasureFeaturizer.Build(Options.Bifiltration(), row) switch
        {
            FunctionRipsBifiltration f => ModuleApproximation.Compute(f, mma),
            GraphBifiltration g => ModuleApproximation.Compute(g, mma),
            _ => throw new InvalidOperationException("Unknown bifiltration."),
        };
    }

    public void Featurize(TopologyRow row, Span<float> destination)
    {
        MmaModule module = Decompose(row);
        int per = Options.VectorLengthPerDegree;
        for (int d = 0; d <= Options.MaxDegree; d++)
        {
            Span<float> slot = destination.Slice(d * per, per);
            if (Options.Vectorizer == MmaVectorizer.Image)
            {
                MmaRepresentation.Image(module, d, Options.Resolution, Options.Bandwidth, Options.Power, slot);
            }
            else
            {
                MmaRepresentation.Landscapes(module, d, Options.Landscapes, Options.Resolution, slot);
            }
        }
    }

    /// <summary>
    /// Refuses a row from its point count alone, before any distance is computed: one line's complex must fit the
    /// budget (as for signed measures), and the lines of the unit square times that complex's stored simplices must stay
    /// under <see cref="ComplexBudget.MaxSimplices"/>.
    /// </summary>
    private static void Preflight(MmaOptions options, TopologyRow row)
    {
        SignedMeasureFeaturizer.Preflight(options.Bifiltration(), row);
        int points = options.Input switch
        {
            PointCloudInput pc => row.Values.Length / pc.PointDimension,
            TimeSeriesInput ts => DelayEmbedding.PointCount(row.Values.Length, ts.Dimension, ts.Delay, ts.Skip),
            _ => 0,
        };
        if (points > 1)
        {
            RipsComplexEstimate perLine = RipsComplexEstimate.FromPointCount(points, options.Threshold ?? float.NaN, options.MaxDegree, allPairsAreEdges: options.Threshold is null);
            long lines = ModuleApproximation.LineCount(new MeasureBox(0f, 1f, 0f, 1f), options.Precision);
            if (lines * perLine.StoredSimplices > options.Budget.MaxSimplices)
            {
                throw new ModuleApproximationBudgetExceededException(lines, perLine.StoredSimplices, options.Precision, options.Budget);
            }
        }
    }
}
