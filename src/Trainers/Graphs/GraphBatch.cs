using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// Variable-size graphs as one batch of named tensors (see <see cref="GraphTensorNames"/> and <see cref="SpeTensorNames"/>)
/// in the model's layout (<see cref="GineOptions.MessagePassing"/>). Dense: padded node features <c>(B, N, F)</c>, edge
/// features <c>(B, N, N, T)</c>, adjacency <c>(B, N, N)</c>, node mask <c>(B, N)</c>. Sparse: stacked node features
/// <c>(ΣN, F)</c> and edge lists (see <c>GraphBatch.Sparse.cs</c>). Both end with targets <c>(B, O)</c>. Disposing it
/// releases the tensors' ORT values.
/// </summary>
public sealed partial class GraphBatch : IDisposable
{
    private GraphBatch(int count)
    {
        Tensors = new TensorBatch();
        Count = count;
    }

    /// <summary>The model inputs by name.</summary>
    public TensorBatch Tensors { get; }

    /// <summary>Number of graphs B.</summary>
    public int Count { get; }

    /// <summary>Packs graphs with their precomputed encodings; <paramref name="withTargets"/> adds the target tensor.</summary>
    /// <exception cref="ArgumentException">A node or edge type is outside the schema, or an encoding is missing.</exception>
    public static GraphBatch Create(
        IReadOnlyList<Graph> graphs, IReadOnlyList<PrecomputedEncoding> encodings, GraphModelDefinition definition, bool withTargets)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encodings);
        ArgumentNullException.ThrowIfNull(definition);
        var batch = new GraphBatch(graphs.Count);
        try
        {
            Fill(batch.Tensors, graphs, encodings, definition, withTargets);
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Tensors.Dispose();

    private static void Fill(TensorBatch t, IReadOnlyList<Graph> graphs, IReadOnlyList<PrecomputedEncoding> encodings, GraphModelDefinition definition, bool withTargets)
    {
        if (definition.Backbone.MessagePassing == GraphMessagePassing.Sparse)
        {
            FillSparse(t, graphs, encodings, definition);
        }
        else
        {
            FillDense(t, graphs, encodings, definition);
        }

        if (withTargets)
        {
            AddTargets(t, graphs, definition);
        }
    }

    private static void FillDense(TensorBatch t, IReadOnlyList<Graph> graphs, IReadOnlyList<PrecomputedEncoding> encodings, GraphModelDefinition definition)
    {
        GraphSchema s = definition.Schema;
        int b = graphs.Count;
        int n = Math.Max(1, graphs.Max(g => g.NodeCount));
        int f = s.NodeFeatureWidth;
        int te = Math.Max(1, s.EdgeTypeCount);
        var nodes = new float[b * n * f];
        var edges = new float[b * n * n * te];
        for (int g = 0; g < b; g++)
        {
            Graph graph = graphs[g];
            for (int i = 0; i < graph.NodeCount; i++)
            {
                WriteNodeRow(nodes.AsSpan(((g * n) + i) * f, f), graph, i, s);
            }

            for (int e = 0; e < graph.EdgeCount; e++)
            {
                int type = EdgeType(graph, e, te);

                int u = graph.EdgeSources[e];
                int v = graph.EdgeTargets[e];
                if (u == v)
                {
                    continue;
                }

                edges[(((((g * n) + u) * n) + v) * te) + type] = 1;
                edges[(((((g * n) + v) * n) + u) * te) + type] = 1;
            }
        }

        t.Add(GraphTensorNames.NodeFeatures, nodes, [b, n, f]);
        t.Add(GraphTensorNames.EdgeFeatures, edges, [b, n, n, te]);
        if (definition.Encoding is SpeEncoding spe)
        {
            var structures = graphs.Select(g => g.ToStructure()).ToList();
            var spectra = encodings.Select((e, i) => e.Spectrum ?? throw new ArgumentException($"Graph '{graphs[i].Id}' has no spectrum.", nameof(encodings))).ToList();
            using SpeBatch sb = SpeBatch.Create(structures, spectra, spe.K, spe.SpeOptions.ColumnScope, minNodes: n);
            sb.AddTensors(t, TensorElementType.Float);
        }
        else
        {
            var adj = new float[b * n * n];
            var mask = new float[b * n];
            for (int g = 0; g < b; g++)
            {
                Graph graph = graphs[g];
                for (int i = 0; i < graph.NodeCount; i++)
                {
                    mask[(g * n) + i] = 1;
                }

                for (int e = 0; e < graph.EdgeCount; e++)
                {
                    int u = graph.EdgeSources[e];
                    int v = graph.EdgeTargets[e];
                    if (u != v)
                    {
                        adj[(((g * n) + u) * n) + v] = 1;
                        adj[(((g * n) + v) * n) + u] = 1;
                    }
                }
            }

            t.Add(SpeTensorNames.Adjacency, adj, [b, n, n]);
            t.Add(SpeTensorNames.NodeMask, mask, [b, n]);
            int w = definition.Encoding.Width;
            if (w > 0)
            {
                var pe = new float[b * n * w];
                for (int g = 0; g < b; g++)
                {
                    float[] fixedPe = encodings[g].Fixed ?? throw new ArgumentException($"Graph '{graphs[g].Id}' has no fixed encoding.", nameof(encodings));
                    Array.Copy(fixedPe, 0, pe, g * n * w, graphs[g].NodeCount * w);
                }

                t.Add(GraphTensorNames.FixedEncoding, pe, [b, n, w]);
            }
        }

    }

    /// <summary>One node's feature row: the one-hot node type, then its float attributes.</summary>
    private static void WriteNodeRow(Span<float> row, Graph graph, int i, GraphSchema s)
    {
        int type = graph.NodeTypes?[i] ?? 0;
        if ((uint)type >= (uint)s.NodeTypeCount)
        {
            throw new ArgumentException($"Graph '{graph.Id}': node {i} has type {type}, the model knows {s.NodeTypeCount} node types.", "graphs");
        }

        row[type] = 1;
        for (int a = 0; a < s.NodeAttributeWidth; a++)
        {
            row[s.NodeTypeCount + a] = graph.NodeAttributes![(i * s.NodeAttributeWidth) + a];
        }
    }

    /// <summary>Edge <paramref name="e"/>'s type, checked against the model's <paramref name="typeCount"/>.</summary>
    private static int EdgeType(Graph graph, int e, int typeCount)
    {
        int type = graph.EdgeTypes?[e] ?? 0;
        return (uint)type < (uint)typeCount
            ? type
            : throw new ArgumentException($"Graph '{graph.Id}': edge {e} has type {type}, the model knows {typeCount} edge types.", "graphs");
    }

    private static void AddTargets(TensorBatch t, IReadOnlyList<Graph> graphs, GraphModelDefinition definition)
    {
        GraphSchema s = definition.Schema;
        int b = graphs.Count;
        int o = s.OutputCount;
        var y = new float[b * o];
        for (int g = 0; g < b; g++)
        {
            float target = graphs[g].Target;
            if (float.IsNaN(target) && (o == 1 || definition.Loss == GraphLoss.CrossEntropy))
            {
                throw new ArgumentException($"Graph '{graphs[g].Id}' has no target.", nameof(graphs));
            }

            if (definition.Loss == GraphLoss.CrossEntropy)
            {
                int c = (int)target;
                if (c < 0 || c >= o || c != target)
                {
                    throw new ArgumentException($"Graph '{graphs[g].Id}' has class {target}, expected an integer in [0, {o}).", nameof(graphs));
                }

                y[(g * o) + c] = 1;
            }
            else if (o > 1)
            {
                float[] many = graphs[g].Targets is { } ts && ts.Length == o
                    ? ts
                    : throw new ArgumentException($"Graph '{graphs[g].Id}' needs {o} targets for a {o}-output regression.", nameof(graphs));
                Array.Copy(many, 0, y, g * o, o);
            }
            else
            {
                y[g * o] = target;
            }
        }

        t.Add(GraphTensorNames.Target, y, [b, o]);
    }
}
