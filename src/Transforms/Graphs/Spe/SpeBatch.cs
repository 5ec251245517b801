using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>
/// B graphs padded to a common node count N and eigenpair count K: the <see cref="SpeTensorNames"/> tensors, row-major,
/// in float64 (converted to the graph's element type when run).
/// </summary>
public sealed class SpeBatch
{
    private SpeBatch(int batch, int nodes, int k, int[] nodeCounts)
    {
        BatchSize = batch;
        MaxNodes = nodes;
        K = k;
        NodeCounts = nodeCounts;
        Eigenvalues = new double[batch * k];
        EigenvalueMask = new double[batch * k];
        Eigenvectors = new double[batch * nodes * k];
        Adjacency = new double[batch * nodes * nodes];
        NodeMask = new double[batch * nodes];
        ColumnMask = new double[batch * nodes * nodes];
    }

    /// <summary>B.</summary>
    public int BatchSize { get; }

    /// <summary>N, the padded node count.</summary>
    public int MaxNodes { get; }

    /// <summary>K, the padded eigenpair count.</summary>
    public int K { get; }

    /// <summary>Real node count of each graph.</summary>
    public int[] NodeCounts { get; }

    /// <summary><c>(B, K)</c>.</summary>
    public double[] Eigenvalues { get; }

    /// <summary><c>(B, K)</c>.</summary>
    public double[] EigenvalueMask { get; }

    /// <summary><c>(B, N, K)</c>.</summary>
    public double[] Eigenvectors { get; }

    /// <summary><c>(B, N, N)</c>.</summary>
    public double[] Adjacency { get; }

    /// <summary><c>(B, N)</c>.</summary>
    public double[] NodeMask { get; }

    /// <summary><c>(B, N_j, N_i)</c>.</summary>
    public double[] ColumnMask { get; }

    /// <summary>
    /// Packs graphs and their spectra. <paramref name="minNodes"/> and <paramref name="k"/> allow padding beyond the
    /// batch's own maxima (used by the batch-composition tests).
    /// </summary>
    /// <exception cref="ArgumentException">Counts disagree, or a spectrum has more eigenpairs than <paramref name="k"/>.</exception>
    public static SpeBatch Create(
        IReadOnlyList<GraphStructure> graphs, IReadOnlyList<Spectrum> spectra, int k, SpeColumnScope scope, int minNodes = 0)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(spectra);
        if (graphs.Count != spectra.Count)
        {
            throw new ArgumentException($"{graphs.Count} graphs but {spectra.Count} spectra.", nameof(spectra));
        }

        int n = Math.Max(minNodes, graphs.Count == 0 ? 0 : graphs.Max(g => g.NodeCount));
        var batch = new SpeBatch(graphs.Count, n, k, graphs.Select(g => g.NodeCount).ToArray());
        for (int g = 0; g < graphs.Count; g++)
        {
            GraphStructure graph = graphs[g];
            Spectrum s = spectra[g];
            if (s.NodeCount != graph.NodeCount)
            {
                throw new ArgumentException($"Graph {g} has {graph.NodeCount} nodes but its spectrum {s.NodeCount}.", nameof(spectra));
            }

            if (s.Count > k)
            {
                throw new ArgumentException($"Graph {g}'s spectrum has {s.Count} eigenpairs, more than K = {k}.", nameof(spectra));
            }

            int d = s.Count;
            for (int j = 0; j < d; j++)
            {
                batch.Eigenvalues[(g * k) + j] = s.Values[j];
                batch.EigenvalueMask[(g * k) + j] = 1;
            }

            for (int i = 0; i < graph.NodeCount; i++)
            {
                batch.NodeMask[(g * n) + i] = 1;
                for (int j = 0; j < d; j++)
                {
                    batch.Eigenvectors[(((g * n) + i) * k) + j] = s.Vectors[(i * d) + j];
                }
            }

            for (int e = 0; e < graph.EdgeCount; e++)
            {
                int u = graph.EdgeU[e];
                int v = graph.EdgeV[e];
                batch.Adjacency[(((g * n) + u) * n) + v] = 1;
                batch.Adjacency[(((g * n) + v) * n) + u] = 1;
            }

            int[] comp = scope == SpeColumnScope.SameComponent ? graph.ConnectedComponents(out _) : new int[graph.NodeCount];
            for (int j = 0; j < graph.NodeCount; j++)
            {
                for (int i = 0; i < graph.NodeCount; i++)
                {
                    batch.ColumnMask[(((g * n) + j) * n) + i] = comp[i] == comp[j] ? 1 : 0;
                }
            }
        }

        return batch;
    }

    /// <summary>
    /// Adds the <see cref="SpeTensorNames"/> tensors to <paramref name="target"/> in <paramref name="elementType"/> (float:
    /// converted copies; double: these arrays, not copied): eigenvalues and their mask <c>(B, K)</c>, eigenvectors
    /// <c>(B, N, K)</c>, adjacency <c>(B, N, N)</c>, node mask <c>(B, N)</c> and column mask <c>(B, N, N)</c>.
    /// </summary>
    /// <returns><paramref name="target"/>.</returns>
    /// <exception cref="NotSupportedException"><paramref name="elementType"/> is neither float nor double.</exception>
    public TensorBatch AddTensors(TensorBatch target, TensorElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (elementType is not (TensorElementType.Float or TensorElementType.Double))
        {
            throw new NotSupportedException($"SPE batches convert to float or double, not {elementType}.");
        }

        Add(SpeTensorNames.Eigenvalues, Eigenvalues, [BatchSize, K]);
        Add(SpeTensorNames.EigenvalueMask, EigenvalueMask, [BatchSize, K]);
        Add(SpeTensorNames.Eigenvectors, Eigenvectors, [BatchSize, MaxNodes, K]);
        Add(SpeTensorNames.Adjacency, Adjacency, [BatchSize, MaxNodes, MaxNodes]);
        Add(SpeTensorNames.NodeMask, NodeMask, [BatchSize, MaxNodes]);
        Add(SpeTensorNames.ColumnMask, ColumnMask, [BatchSize, MaxNodes, MaxNodes]);
        return target;

        void Add(string name, double[] data, long[] shape)
        {
            if (elementType == TensorElementType.Double)
            {
                target.Add(name, data, shape);
            }
            else
            {
                target.Add(name, Array.ConvertAll(data, x => (float)x), shape);
            }
        }
    }
}
