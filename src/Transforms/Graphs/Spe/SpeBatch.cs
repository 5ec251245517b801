using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>
/// B graphs padded to a common node count N and eigenpair count K, with their real node counts: the
/// <see cref="SpeTensorNames"/> tensors in float64 (converted to the model's element type when run by
/// <see cref="AddTensors"/>). Disposing it releases the tensors' ORT values.
/// </summary>
public sealed class SpeBatch : IDisposable
{
    private SpeBatch(int batch, int nodes, int k, int[] nodeCounts)
    {
        BatchSize = batch;
        MaxNodes = nodes;
        K = k;
        NodeCounts = nodeCounts;
        Tensors = new TensorBatch();
        Tensors.Add(SpeTensorNames.Eigenvalues, new double[batch * k], batch, k)
            .Add(SpeTensorNames.EigenvalueMask, new double[batch * k], batch, k)
            .Add(SpeTensorNames.Eigenvectors, new double[batch * nodes * k], batch, nodes, k)
            .Add(SpeTensorNames.Adjacency, new double[batch * nodes * nodes], batch, nodes, nodes)
            .Add(SpeTensorNames.NodeMask, new double[batch * nodes], batch, nodes)
            .Add(SpeTensorNames.ColumnMask, new double[batch * nodes * nodes], batch, nodes, nodes);
    }

    /// <summary>B.</summary>
    public int BatchSize { get; }

    /// <summary>N, the padded node count.</summary>
    public int MaxNodes { get; }

    /// <summary>K, the padded eigenpair count.</summary>
    public int K { get; }

    /// <summary>Real node count of each graph.</summary>
    public int[] NodeCounts { get; }

    /// <summary>
    /// The float64 tensors: eigenvalues and their mask <c>(B, K)</c>, eigenvectors <c>(B, N, K)</c>, adjacency
    /// <c>(B, N, N)</c>, node mask <c>(B, N)</c> and column mask <c>(B, N_j, N_i)</c>.
    /// </summary>
    public TensorBatch Tensors { get; }

    /// <summary>
    /// Packs graphs and their spectra. <c>K = max(k, largest d)</c>: a full spectrum keeps <c>d = n</c> pairs, so K grows
    /// with the batch's largest graph (φ is elementwise or masked, so the padded width changes nothing).
    /// <paramref name="minNodes"/> and <paramref name="k"/> allow padding beyond the batch's own maxima (used by the
    /// batch-composition tests).
    /// </summary>
    /// <exception cref="ArgumentException">Counts disagree.</exception>
    public static SpeBatch Create(
        IReadOnlyList<GraphStructure> graphs, IReadOnlyList<Spectrum> spectra, int k, SpeColumnScope scope, int minNodes = 0)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(spectra);
        if (graphs.Count != spectra.Count)
        {
            throw new ArgumentException($"{graphs.Count} graphs but {spectra.Count} spectra.", nameof(spectra));
        }

        for (int g = 0; g < graphs.Count; g++)
        {
            if (spectra[g].NodeCount != graphs[g].NodeCount)
            {
                throw new ArgumentException($"Graph {g} has {graphs[g].NodeCount} nodes but its spectrum {spectra[g].NodeCount}.", nameof(spectra));
            }

            k = Math.Max(k, spectra[g].Count);
        }

        int n = Math.Max(minNodes, graphs.Count == 0 ? 0 : graphs.Max(g => g.NodeCount));
        var batch = new SpeBatch(graphs.Count, n, k, graphs.Select(g => g.NodeCount).ToArray());
        double[] eigenvalues = batch.Tensors.Get<double>(SpeTensorNames.Eigenvalues);
        double[] eigenvalueMask = batch.Tensors.Get<double>(SpeTensorNames.EigenvalueMask);
        double[] eigenvectors = batch.Tensors.Get<double>(SpeTensorNames.Eigenvectors);
        double[] adjacency = batch.Tensors.Get<double>(SpeTensorNames.Adjacency);
        double[] nodeMask = batch.Tensors.Get<double>(SpeTensorNames.NodeMask);
        double[] columnMask = batch.Tensors.Get<double>(SpeTensorNames.ColumnMask);
        for (int g = 0; g < graphs.Count; g++)
        {
            GraphStructure graph = graphs[g];
            Spectrum s = spectra[g];
            int d = s.Count;
            for (int j = 0; j < d; j++)
            {
                eigenvalues[(g * k) + j] = s.Values[j];
                eigenvalueMask[(g * k) + j] = 1;
            }

            for (int i = 0; i < graph.NodeCount; i++)
            {
                nodeMask[(g * n) + i] = 1;
                for (int j = 0; j < d; j++)
                {
                    eigenvectors[(((g * n) + i) * k) + j] = s.Vectors[(i * d) + j];
                }
            }

            for (int e = 0; e < graph.EdgeCount; e++)
            {
                int u = graph.EdgeU[e];
                int v = graph.EdgeV[e];
                adjacency[(((g * n) + u) * n) + v] = 1;
                adjacency[(((g * n) + v) * n) + u] = 1;
            }

            int[] comp = scope == SpeColumnScope.SameComponent ? graph.ConnectedComponents(out _) : new int[graph.NodeCount];
            for (int j = 0; j < graph.NodeCount; j++)
            {
                for (int i = 0; i < graph.NodeCount; i++)
                {
                    columnMask[(((g * n) + j) * n) + i] = comp[i] == comp[j] ? 1 : 0;
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

        foreach (string name in Tensors.Names)
        {
            double[] data = Tensors.Get<double>(name);
            if (elementType == TensorElementType.Double)
            {
                target.Add(name, data, Tensors.ShapeOf(name));
            }
            else
            {
                target.Add(name, Array.ConvertAll(data, x => (float)x), Tensors.ShapeOf(name));
            }
        }

        return target;
    }

    /// <inheritdoc />
    public void Dispose() => Tensors.Dispose();
}
