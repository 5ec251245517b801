using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>How SPE's <c>n×n</c> part is laid out in a batch of graphs of different sizes.</summary>
public enum SpeBatchLayout
{
    /// <summary>
    /// Every graph padded to the batch's largest <c>N</c> and <c>K</c> (<see cref="SpeBatch"/>, <see cref="SpeGraph"/>):
    /// <c>(B, N, N, c)</c> tensors and a dense <c>A·h</c> per ρ layer, cost <c>O(B·N³·(m + c))</c>. The default: on NCI109 the blocks layout measured no faster (0.97×), see benchmarks/GraphBench.
    /// </summary>
    Padded,

    /// <summary>
    /// Per-graph blocks, no padding: the <c>Σ_g n_g²</c> (column, node) pairs of the batch stacked in one <c>(P, ·)</c>
    /// matrix, <c>W</c> formed from per-graph triplets and ρ's messages passed along per-pair edge lists
    /// (<see cref="SpeBlockGraph"/>). Cost <c>O(Σ_g n_g²·d_g·m + Σ_g n_g·E_g·c)</c>.
    /// </summary>
    Blocks,
}

/// <summary>Names of the block-layout SPE inputs (<see cref="SpeBatchLayout.Blocks"/>); D = Σ d_g, T = Σ n_g² d_g, P = Σ n_g², V = Σ n_g.</summary>
public static class SpeBlockTensorNames
{
    /// <summary>The kept eigenvalues of all graphs, stacked, <c>(D)</c>.</summary>
    public const string Eigenvalues = "spe_block_eigenvalues";

    /// <summary>One-hot graph of each stacked eigenvalue, <c>(B, D)</c> (masked DeepSets φ only: per-graph sums).</summary>
    public const string EigenvalueGraph = "spe_block_eigenvalue_graph";

    /// <summary>Triplet weights <c>V_g[i,q]·V_g[j,q]</c>, <c>(T, 1)</c>: <c>W[(j,i), ℓ] = Σ_q weight·z_ℓ[q]</c>.</summary>
    public const string TripletWeight = "spe_block_triplet_weight";

    /// <summary>The stacked eigenvalue q of each triplet, <c>(T)</c> int64.</summary>
    public const string TripletEigenvalue = "spe_block_triplet_eigenvalue";

    /// <summary>The pair (j, i) of each triplet, <c>(T, 1)</c> int64 (rows of the scatter-add).</summary>
    public const string TripletPair = "spe_block_triplet_pair";

    /// <summary>ρ's messages: the source pair (j, u) of each (column, directed edge u→i), <c>(E_P)</c> int64.</summary>
    public const string PairEdgeSource = "spe_block_pair_edge_source";

    /// <summary>ρ's messages: the target pair (j, i), <c>(E_P, 1)</c> int64.</summary>
    public const string PairEdgeTarget = "spe_block_pair_edge_target";

    /// <summary>The stacked node i of each pair (j, i), <c>(P, 1)</c> int64 (readout).</summary>
    public const string PairNode = "spe_block_pair_node";

    /// <summary>Column mask <c>M[j, i]</c> of each pair (see <see cref="SpeColumnScope"/>), <c>(P, 1)</c>.</summary>
    public const string PairColumnMask = "spe_block_pair_column_mask";

    /// <summary>Number of summed columns <c>|J_i|</c> per stacked node, <c>(V, 1)</c>.</summary>
    public const string ColumnCount = "spe_block_column_count";
}

/// <summary>
/// B graphs and their spectra as the <see cref="SpeBlockTensorNames"/> tensors: graph g's pairs <c>(j, i)</c>,
/// <c>0 ≤ i, j &lt; n_g</c>, are rows <c>P_g + j·n_g + i</c> (<c>P_g = Σ_{h&lt;g} n_h²</c>); its nodes are rows
/// <c>V_g + i</c> of the output, in the order of the graphs (the stacked node order of the sparse GINE layout).
/// </summary>
public static class SpeBlockBatch
{
    /// <summary>Adds the block tensors of <paramref name="graphs"/> to <paramref name="target"/> in <paramref name="elementType"/>.</summary>
    /// <param name="target">The batch to add to.</param>
    /// <param name="graphs">The graphs (edges as the padded adjacency reads them: symmetric, duplicates merged, self-loops kept).</param>
    /// <param name="spectra">Their kept eigenpairs.</param>
    /// <param name="options">SPE options (the column scope; the eigenvalue-graph tensor is added only for masked DeepSets).</param>
    /// <param name="elementType">Float or Double.</param>
    /// <returns><paramref name="target"/>.</returns>
    /// <exception cref="ArgumentException">Counts disagree.</exception>
    public static TensorBatch AddTensors(TensorBatch target, IReadOnlyList<GraphStructure> graphs, IReadOnlyList<Spectrum> spectra, SpeOptions options, TensorElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(spectra);
        ArgumentNullException.ThrowIfNull(options);
        if (elementType is not (TensorElementType.Float or TensorElementType.Double))
        {
            throw new NotSupportedException($"SPE batches are float or double, not {elementType}.");
        }

        if (graphs.Count != spectra.Count)
        {
            throw new ArgumentException($"{graphs.Count} graphs but {spectra.Count} spectra.", nameof(spectra));
        }

        int b = graphs.Count;
        long d = 0, t = 0, p = 0, v = 0;
        for (int g = 0; g < b; g++)
        {
            int n = graphs[g].NodeCount;
            if (spectra[g].NodeCount != n)
            {
                throw new ArgumentException($"Graph {g} has {n} nodes but its spectrum {spectra[g].NodeCount}.", nameof(spectra));
            }

            d += spectra[g].Count;
            t += (long)n * n * spectra[g].Count;
            p += (long)n * n;
            v += n;
        }

        var eigenvalues = new double[d];
        var weights = new double[t];
        var tripletEigen = new long[t];
        var tripletPair = new long[t];
        var pairNode = new long[p];
        var pairMask = new double[p];
        var columnCount = new double[v];
        double[]? eigenGraph = options.PhiKind == SpePhiKind.MaskedDeepSets ? new double[b * d] : null;
        var edgeSource = new List<long>();
        var edgeTarget = new List<long>();
        long dOff = 0, tRow = 0, pOff = 0, vOff = 0;
        var directed = new SortedSet<(int Target, int Source)>();
        for (int g = 0; g < b; g++)
        {
            GraphStructure graph = graphs[g];
            Spectrum s = spectra[g];
            int n = graph.NodeCount;
            int k = s.Count;
            for (int q = 0; q < k; q++)
            {
                eigenvalues[dOff + q] = s.Values[q];
                if (eigenGraph is not null)
                {
                    eigenGraph[(g * d) + dOff + q] = 1;
                }
            }

            // W[(j,i)] = Σ_q V[i,q] V[j,q] z[q]
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < n; i++)
                {
                    long pair = pOff + ((long)j * n) + i;
                    for (int q = 0; q < k; q++)
                    {
                        weights[tRow] = s.Vectors[(i * k) + q] * s.Vectors[(j * k) + q];
                        tripletEigen[tRow] = dOff + q;
                        tripletPair[tRow] = pair;
                        tRow++;
                    }
                }
            }

            // ρ: agg[(j,i)] = Σ_u A[i,u] h[(j,u)], A as the padded adjacency reads the edges
            directed.Clear();
            for (int e = 0; e < graph.EdgeCount; e++)
            {
                directed.Add((graph.EdgeU[e], graph.EdgeV[e]));
                directed.Add((graph.EdgeV[e], graph.EdgeU[e]));
            }

            for (int j = 0; j < n; j++)
            {
                foreach ((int i, int u) in directed)
                {
                    edgeSource.Add(pOff + ((long)j * n) + u);
                    edgeTarget.Add(pOff + ((long)j * n) + i);
                }
            }

            int[] comp = options.ColumnScope == SpeColumnScope.SameComponent ? graph.ConnectedComponents(out _) : new int[n];
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < n; i++)
                {
                    long pair = pOff + ((long)j * n) + i;
                    pairNode[pair] = vOff + i;
                    if (comp[i] == comp[j])
                    {
                        pairMask[pair] = 1;
                        columnCount[vOff + i]++;
                    }
                }
            }

            dOff += k;
            pOff += (long)n * n;
            vOff += n;
        }

        Add(SpeBlockTensorNames.Eigenvalues, eigenvalues, [d]);
        if (eigenGraph is not null)
        {
            Add(SpeBlockTensorNames.EigenvalueGraph, eigenGraph, [b, d]);
        }

        Add(SpeBlockTensorNames.TripletWeight, weights, [t, 1]);
        target.Add(SpeBlockTensorNames.TripletEigenvalue, tripletEigen, [t]);
        target.Add(SpeBlockTensorNames.TripletPair, tripletPair, [t, 1]);
        target.Add(SpeBlockTensorNames.PairEdgeSource, edgeSource.ToArray(), [edgeSource.Count]);
        target.Add(SpeBlockTensorNames.PairEdgeTarget, edgeTarget.ToArray(), [edgeTarget.Count, 1]);
        target.Add(SpeBlockTensorNames.PairNode, pairNode, [p, 1]);
        Add(SpeBlockTensorNames.PairColumnMask, pairMask, [p, 1]);
        Add(SpeBlockTensorNames.ColumnCount, columnCount, [v, 1]);
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
