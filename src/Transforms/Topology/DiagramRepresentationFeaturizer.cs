using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>Fitted state of the diagram-representation transformer (options + ranges) and the per-row computation.</summary>
internal sealed class DiagramRepresentationFeaturizer(DiagramRepresentationOptions options, DiagramRange range) : ITopologyRowMapper
{
    public DiagramRepresentationOptions Options { get; } = options;

    public DiagramRange Range { get; } = range;

    public string InputColumnName => Options.InputColumnName ?? Options.OutputColumnName;

    public string? NodeCountColumnName => null;

    public string OutputColumnName => Options.OutputColumnName;

    public int OutputLength => Options.OutputLength;

    /// <summary>Fits the ranges on the training diagrams (finite points; essential ones follow the policy).</summary>
    public static DiagramRepresentationFeaturizer Fit(DiagramRepresentationOptions options, IEnumerable<TopologyRow> rows)
    {
        float minBirth = float.PositiveInfinity;
        float maxBirth = float.NegativeInfinity;
        float maxDeath = float.NegativeInfinity;
        float maxPersistence = 0f;
        int index = 0;
        foreach (TopologyRow row in rows)
        {
            foreach (PersistencePair p in Parse(row.Values, index++))
            {
                minBirth = MathF.Min(minBirth, p.Birth);
                maxBirth = MathF.Max(maxBirth, p.Birth);
                if (!p.IsEssential)
                {
                    maxDeath = MathF.Max(maxDeath, p.Death);
                    maxPersistence = MathF.Max(maxPersistence, p.Persistence);
                }
            }
        }

        if (float.IsPositiveInfinity(minBirth) || float.IsNegativeInfinity(maxDeath))
        {
            throw new InvalidOperationException($"Cannot fit the {options.Representation} ranges on column '{options.InputColumnName ?? options.OutputColumnName}': the training diagrams hold no finite interval.");
        }

        if (options.Representation == DiagramRepresentation.PersistenceImage)
        {
            return new(options, new DiagramRange(minBirth, maxBirth, maxPersistence, maxDeath));
        }

        // GUDHI's _grid_from_sample_range with keep_endpoints=False: linspace(lo, hi, r + 2) without both ends.
        double step = ((double)maxDeath - minBirth) / (options.Resolution + 1);
        return new(options, new DiagramRange((float)(minBirth + step), (float)(maxDeath - step), maxPersistence, maxDeath));
    }

    public void Featurize(TopologyRow row, Span<float> destination)
    {
        PersistencePair[] pairs = Parse(row.Values, -1);
        DiagramRepresentationOptions o = Options;
        DiagramRange r = Range;
        switch (o.Representation)
        {
            case DiagramRepresentation.PersistenceImage:
                DiagramVectorizers.PersistenceImage(pairs, r.First, r.Last, r.PersistenceMax, o.Resolution, o.Bandwidth, o.Weight, o.InfiniteBars, r.ClipValue, destination);
                break;
            case DiagramRepresentation.Landscape:
                DiagramVectorizers.Landscape(pairs, r.First, r.Last, o.Resolution, o.Landscapes, o.InfiniteBars, r.ClipValue, destination);
                break;
            case DiagramRepresentation.BettiCurve:
                DiagramVectorizers.BettiCurve(pairs, r.First, r.Last, o.Resolution, o.InfiniteBars, r.ClipValue, destination);
                break;
            case DiagramRepresentation.Silhouette:
                DiagramVectorizers.Silhouette(pairs, r.First, r.Last, o.Resolution, o.Weight, o.InfiniteBars, r.ClipValue, destination);
                break;
            case DiagramRepresentation.Entropy:
                destination[0] = (float)DiagramVectorizers.Entropy(pairs, o.InfiniteBars, r.ClipValue);
                break;
            default:
                throw new InvalidOperationException("Unknown representation.");
        }
    }

    /// <summary>Reads [b₀, d₀, b₁, d₁, …]: finite births, deaths ≥ births or +∞; anything else is refused.</summary>
    internal static PersistencePair[] Parse(float[] values, int row)
    {
        string where = row >= 0 ? $"Diagram row {row}" : "A diagram";
        if (values.Length % 2 != 0)
        {
            throw new ArgumentException($"{where} has {values.Length} values; expected (birth, death) pairs.");
        }

        var pairs = new PersistencePair[values.Length / 2];
        for (int k = 0; k < pairs.Length; k++)
        {
            float b = values[2 * k];
            float d = values[(2 * k) + 1];
            if (!float.IsFinite(b) || float.IsNaN(d) || d < b)
            {
                throw new ArgumentException($"{where}, pair {k}: ({b}, {d}) is not an interval (finite birth, death ≥ birth or +∞).");
            }

            pairs[k] = new PersistencePair(0, b, d);
        }

        return pairs;
    }
}
