namespace Pipelines.Transforms.Topology;

/// <summary>One input row: the vector column's values and, for graphs, the node count and node labels.</summary>
/// <param name="Values">Point coordinates, series values or the flattened edge list.</param>
/// <param name="NodeCount">Node count (graphs only; 0 otherwise).</param>
/// <param name="NodeLabels">One label per node (atomic numbers for the electronegativity), or null.</param>
internal readonly record struct TopologyRow(float[] Values, int NodeCount, float[]? NodeLabels = null);

/// <summary>What the topology data view needs from a fitted transformer: a per-row featurizer.</summary>
internal interface ITopologyRowMapper
{
    /// <summary>Gets the input column name.</summary>
    string InputColumnName { get; }

    /// <summary>Gets the node-count column name (graphs) or null.</summary>
    string? NodeCountColumnName { get; }

    /// <summary>Gets the node-label column name (graphs with a label-based vertex function) or null.</summary>
    string? NodeLabelColumnName => null;

    /// <summary>Gets the output column name.</summary>
    string OutputColumnName { get; }

    /// <summary>Gets the output vector length.</summary>
    int OutputLength { get; }

    /// <summary>Writes the features of one row.</summary>
    void Featurize(TopologyRow row, Span<float> destination);
}
