using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>The <see cref="GraphMessagePassing.Sparse"/> layout of a batch.</summary>
public sealed partial class GraphBatch
{
    /// <summary>
    /// Stacks the nodes of all graphs into <c>V = ΣN</c> rows and lists every undirected edge once per direction:
    /// node features <c>(V, F)</c>; edge features <c>(E, T)</c> (one-hot, multi-hot where parallel edges differ in type);
    /// edge sources <c>(E)</c> and targets <c>(E, 1)</c> as stacked rows; the graph of each node <c>(V, 1)</c>; node counts
    /// <c>(B, 1)</c>; a fixed encoding <c>(V, P)</c>, or SPE's block inputs (<see cref="SpeBlockBatch"/>), or with
    /// <see cref="SpeBatchLayout.Padded"/> SPE's padded inputs plus each node's padded row <c>(V)</c>.
    /// Self-loops are dropped and parallel edges merged, as the dense adjacency does, so both layouts see the same graph.
    /// </summary>
    private static void FillSparse(TensorBatch t, IReadOnlyList<Graph> graphs, IReadOnlyList<PrecomputedEncoding> encodings, GraphModelDefinition definition)
    {
        GraphSchema s = definition.Schema;
        int b = graphs.Count;
        int f = s.NodeFeatureWidth;
        int te = Math.Max(1, s.EdgeTypeCount);
        int v = graphs.Sum(g => g.NodeCount);
        var nodes = new float[v * f];
        var nodeGraph = new long[v];
        var sizes = new float[b];
        var sources = new List<long>();
        var targets = new List<long>();
        var edgeTypes = new List<int>(); // (edge row, type) pairs: parallel edges of several types give a multi-hot row
        var edgeTypeRows = new List<int>();
        var slot = new Dictionary<(int, int), int>();
        int offset = 0;
        for (int g = 0; g < b; g++)
        {
            Graph graph = graphs[g];
            sizes[g] = graph.NodeCount;
            for (int i = 0; i < graph.NodeCount; i++)
            {
                WriteNodeRow(nodes.AsSpan((offset + i) * f, f), graph, i, s);
                nodeGraph[offset + i] = g;
            }

            slot.Clear();
            for (int e = 0; e < graph.EdgeCount; e++)
            {
                int type = EdgeType(graph, e, te);
                int u = graph.EdgeSources[e];
                int w = graph.EdgeTargets[e];
                if (u == w)
                {
                    continue;
                }

                foreach ((int from, int to) in ((int, int)[])[(u, w), (w, u)])
                {
                    if (!slot.TryGetValue((from, to), out int row))
                    {
                        row = sources.Count;
                        slot[(from, to)] = row;
                        sources.Add(offset + from);
                        targets.Add(offset + to);
                    }

                    edgeTypeRows.Add(row);
                    edgeTypes.Add(type);
                }
            }

            offset += graph.NodeCount;
        }

        int edges = sources.Count;
        var edgeFeatures = new float[edges * te];
        for (int k = 0; k < edgeTypes.Count; k++)
        {
            edgeFeatures[(edgeTypeRows[k] * te) + edgeTypes[k]] = 1;
        }

        t.Add(GraphTensorNames.NodeFeatures, nodes, [v, f]);
        t.Add(GraphTensorNames.EdgeFeatures, edgeFeatures, [edges, te]);
        t.Add(GraphTensorNames.EdgeSource, sources.ToArray(), [edges]);
        t.Add(GraphTensorNames.EdgeTarget, targets.ToArray(), [edges, 1]);
        t.Add(GraphTensorNames.NodeGraph, nodeGraph, [v, 1]);
        t.Add(GraphTensorNames.GraphSize, sizes, [b, 1]);
        if (definition.Encoding is SpeEncoding blocks && definition.Backbone.SpeLayout == SpeBatchLayout.Blocks)
        {
            var structures = graphs.Select(g => g.ToStructure()).ToList();
            var spectra = encodings.Select((e, i) => e.Spectrum ?? throw new ArgumentException($"Graph '{graphs[i].Id}' has no spectrum.", nameof(encodings))).ToList();
            SpeBlockBatch.AddTensors(t, structures, spectra, blocks.SpeOptions, TensorElementType.Float);
        }
        else if (definition.Encoding is SpeEncoding spe)
        {
            var structures = graphs.Select(g => g.ToStructure()).ToList();
            var spectra = encodings.Select((e, i) => e.Spectrum ?? throw new ArgumentException($"Graph '{graphs[i].Id}' has no spectrum.", nameof(encodings))).ToList();
            using SpeBatch sb = SpeBatch.Create(structures, spectra, spe.K, spe.SpeOptions.ColumnScope, minNodes: 1);
            sb.AddTensors(t, TensorElementType.Float);
            int n = sb.MaxNodes;
            var nodeSlot = new long[v];
            int row = 0;
            for (int g = 0; g < b; g++)
            {
                for (int i = 0; i < graphs[g].NodeCount; i++)
                {
                    nodeSlot[row++] = ((long)g * n) + i;
                }
            }

            t.Add(GraphTensorNames.NodeSlot, nodeSlot, [v]);
        }
        else if (definition.Encoding.Width > 0)
        {
            int w = definition.Encoding.Width;
            var pe = new float[v * w];
            int row = 0;
            for (int g = 0; g < b; g++)
            {
                float[] fixedPe = encodings[g].Fixed ?? throw new ArgumentException($"Graph '{graphs[g].Id}' has no fixed encoding.", nameof(encodings));
                Array.Copy(fixedPe, 0, pe, row * w, graphs[g].NodeCount * w);
                row += graphs[g].NodeCount;
            }

            t.Add(GraphTensorNames.FixedEncoding, pe, [v, w]);
        }
    }
}
