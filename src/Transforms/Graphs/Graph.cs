using Pipelines.Numerics.Graphs;

namespace Pipelines.Transforms.Graphs;

/// <summary>
/// One variable-size graph as a sample: <c>n</c> nodes, undirected edges <c>(u, v)</c> stored once each, optional
/// categorical node and edge types (atom and bond types for molecules), optional float node attributes
/// <c>(n, a)</c> row-major, and an optional graph-level target.
/// </summary>
public sealed class Graph
{
    static Graph() => MLNet.GraphDataViewType.Register();

    /// <summary>Creates a graph and validates every index and length.</summary>
    /// <exception cref="ArgumentException">Lengths disagree or an index is out of range.</exception>
    public Graph(
        int nodeCount,
        int[] edgeSources,
        int[] edgeTargets,
        int[]? nodeTypes = null,
        int[]? edgeTypes = null,
        float[]? nodeAttributes = null,
        float target = float.NaN,
        string? id = null,
        float[]? targets = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        ArgumentNullException.ThrowIfNull(edgeSources);
        ArgumentNullException.ThrowIfNull(edgeTargets);
        if (edgeSources.Length != edgeTargets.Length)
        {
            throw new ArgumentException($"Graph '{id}': {edgeSources.Length} edge sources but {edgeTargets.Length} targets.", nameof(edgeTargets));
        }

        for (int e = 0; e < edgeSources.Length; e++)
        {
            if ((uint)edgeSources[e] >= (uint)nodeCount || (uint)edgeTargets[e] >= (uint)nodeCount)
            {
                throw new ArgumentException($"Graph '{id}': edge {e} ({edgeSources[e]}, {edgeTargets[e]}) names a node outside [0, {nodeCount}).", nameof(edgeSources));
            }
        }

        if (nodeTypes is not null && nodeTypes.Length != nodeCount)
        {
            throw new ArgumentException($"Graph '{id}': {nodeTypes.Length} node types for {nodeCount} nodes.", nameof(nodeTypes));
        }

        if (edgeTypes is not null && edgeTypes.Length != edgeSources.Length)
        {
            throw new ArgumentException($"Graph '{id}': {edgeTypes.Length} edge types for {edgeSources.Length} edges.", nameof(edgeTypes));
        }

        if (nodeAttributes is not null && (nodeCount == 0 ? nodeAttributes.Length != 0 : nodeAttributes.Length % nodeCount != 0))
        {
            throw new ArgumentException($"Graph '{id}': {nodeAttributes.Length} node attributes is not a multiple of {nodeCount} nodes.", nameof(nodeAttributes));
        }

        NodeCount = nodeCount;
        EdgeSources = edgeSources;
        EdgeTargets = edgeTargets;
        NodeTypes = nodeTypes;
        EdgeTypes = edgeTypes;
        NodeAttributes = nodeAttributes;
        Target = target;
        Id = id;
        Targets = targets;
    }

    /// <summary>Number of nodes <c>n</c>.</summary>
    public int NodeCount { get; }

    /// <summary>Edge sources (each undirected edge once).</summary>
    public int[] EdgeSources { get; }

    /// <summary>Edge targets, parallel to <see cref="EdgeSources"/>.</summary>
    public int[] EdgeTargets { get; }

    /// <summary>Number of undirected edges.</summary>
    public int EdgeCount => EdgeSources.Length;

    /// <summary>Categorical node type per node (0-based), or <see langword="null"/>.</summary>
    public int[]? NodeTypes { get; }

    /// <summary>Categorical edge type per edge (0-based), or <see langword="null"/>.</summary>
    public int[]? EdgeTypes { get; }

    /// <summary>Float node attributes, row-major <c>(n, a)</c>, or <see langword="null"/>.</summary>
    public float[]? NodeAttributes { get; }

    /// <summary>Width <c>a</c> of <see cref="NodeAttributes"/> (0 when absent).</summary>
    public int NodeAttributeWidth => NodeAttributes is null || NodeCount == 0 ? 0 : NodeAttributes.Length / NodeCount;

    /// <summary>Graph-level target (regression value or class index), NaN when absent.</summary>
    public float Target { get; }

    /// <summary>Several regression targets (e.g. cycle counts of several lengths), or <see langword="null"/>.</summary>
    public float[]? Targets { get; }

    /// <summary>An identifier for messages (file and line, SMILES, index), or <see langword="null"/>.</summary>
    public string? Id { get; }

    /// <summary>The topology for spectra and encodings (unit weights).</summary>
    public GraphStructure ToStructure() => new(NodeCount, EdgeSources, EdgeTargets);

    /// <summary>The same graph with another target.</summary>
    public Graph WithTarget(float target) => new(NodeCount, EdgeSources, EdgeTargets, NodeTypes, EdgeTypes, NodeAttributes, target, Id, Targets);

    /// <summary>The same graph with several regression targets.</summary>
    public Graph WithTargets(float[] targets) => new(NodeCount, EdgeSources, EdgeTargets, NodeTypes, EdgeTypes, NodeAttributes, Target, Id, targets);

    /// <summary>The graph with nodes relabelled: node <c>i</c> becomes <c>permutation[i]</c>; edges keep their order.</summary>
    public Graph Permute(ReadOnlySpan<int> permutation)
    {
        if (permutation.Length != NodeCount)
        {
            throw new ArgumentException($"Permutation has length {permutation.Length}, expected {NodeCount}.", nameof(permutation));
        }

        var src = new int[EdgeCount];
        var dst = new int[EdgeCount];
        for (int e = 0; e < EdgeCount; e++)
        {
            src[e] = permutation[EdgeSources[e]];
            dst[e] = permutation[EdgeTargets[e]];
        }

        int[]? types = null;
        if (NodeTypes is not null)
        {
            types = new int[NodeCount];
            for (int i = 0; i < NodeCount; i++)
            {
                types[permutation[i]] = NodeTypes[i];
            }
        }

        float[]? attrs = null;
        if (NodeAttributes is not null)
        {
            int a = NodeAttributeWidth;
            attrs = new float[NodeAttributes.Length];
            for (int i = 0; i < NodeCount; i++)
            {
                Array.Copy(NodeAttributes, i * a, attrs, permutation[i] * a, a);
            }
        }

        return new Graph(NodeCount, src, dst, types, EdgeTypes is null ? null : (int[])EdgeTypes.Clone(), attrs, Target, Id, Targets);
    }
}
