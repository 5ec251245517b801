using Pipelines.Transforms.Graphs;

namespace Pipelines.Trainers.Graphs;

/// <summary>Per-layer weight variances of Virgo, layer ℓ = 0 … L−1.</summary>
/// <param name="Forward">σ²_fwd,ℓ = (2/m)·c_ℓ/c_{ℓ+1}: keeps the second moment of the activations through layer ℓ.</param>
/// <param name="Backward">σ²_bwd,ℓ = (2/m)·d_{L−1−ℓ}/d_{L−ℓ}: keeps the second moment of the gradients through layer ℓ.</param>
/// <param name="Combined">Virgo's choice, the harmonic mean <c>2 σ²_fwd σ²_bwd / (σ²_fwd + σ²_bwd)</c>.</param>
/// <param name="ForwardNorms">c_k = Σ_graphs ‖Pᵏ s‖², k = 0 … L (s: each node's mean input feature).</param>
/// <param name="BackwardNorms">d_k = Σ_graphs ‖Pᵏ 1‖², k = 0 … L.</param>
public sealed record VirgoVariances(
    IReadOnlyList<double> Forward,
    IReadOnlyList<double> Backward,
    IReadOnlyList<double> Combined,
    IReadOnlyList<double> ForwardNorms,
    IReadOnlyList<double> BackwardNorms);

/// <summary>
/// Virgo initialisation (Li, Song, Song, Wipf, "On the Initialization of Graph Neural Networks", ICML 2023) for the
/// GINE layers: the weight variance that preserves forward and backward second moments through message passing,
/// accounting for the graph structure, the ReLU and the width.
/// </summary>
/// <remarks>
/// <para>
/// <b>Derivation.</b> A message-passing layer computes <c>Z = P H W</c>, <c>H' = ReLU(Z)</c> with the propagation
/// <c>P = (1+ε)I + A</c> of GIN (ε = 0 at initialisation), H of shape (n, m), W of shape (m, m) with i.i.d. zero-mean
/// entries of variance σ². Per output channel, <c>E_W[Σ_v Z_vi²] = σ² Σ_v Σ_k (PH)_vk²</c>, and a ReLU of a symmetric
/// pre-activation halves the second moment. Assuming, as the paper does, that every channel of H follows the
/// propagated input signal (H_{·k} ∝ Pˡ s, s = each node's mean input feature), the layer multiplies the second moment by
/// <c>(m σ²/2)·c_{ℓ+1}/c_ℓ</c> with <c>c_k = ‖Pᵏ s‖²</c> summed over the training graphs; keeping it at 1 gives
/// <c>σ²_fwd,ℓ = (2/m) c_ℓ/c_{ℓ+1}</c>. Backwards, sum pooling sends the all-ones gradient to every node and each layer
/// multiplies it by <c>Pᵀ = P</c>, so the gradient entering layer ℓ follows <c>P^{L−1−ℓ} 1</c> and
/// <c>σ²_bwd,ℓ = (2/m) d_{L−1−ℓ}/d_{L−ℓ}</c> with <c>d_k = ‖Pᵏ 1‖²</c>. The two cannot both hold, so Virgo takes their
/// harmonic mean <c>σ²_ℓ = 2σ²_fwd σ²_bwd/(σ²_fwd + σ²_bwd)</c> (the reference code's default <c>mean_method</c>) and
/// draws <c>W ~ U(±√(3σ²_ℓ))</c>. On a d-regular graph every ratio is (1+d)⁻², so Virgo shrinks He's 2/m by the squared
/// growth of one propagation.
/// </para>
/// <para>
/// <b>Applied to GINE.</b> The first Linear of layer ℓ's update MLP acts on the aggregated <c>(1+ε)h_i + Σ_j ReLU(h_j + e_ij)</c>
/// and gets σ²_ℓ. The second Linear acts node-wise after a ReLU (no propagation, ratio 1), so the same derivation gives
/// He's 2/m; the reference code gives both Linears of a GIN layer the same bound, which counts the propagation twice. The
/// input embedding, edge embeddings and head keep Xavier (they do no message passing). The derivation ignores the
/// residual connection and the edge embeddings, as the paper's analysis of GIN does. Without training graphs (loading a
/// saved model, schema checks) the statistics are those of an edgeless graph, P = I: σ² = 2/m.
/// </para>
/// <para>Cost: L sparse mat-vecs over the training graphs, before the graph is built; nothing is added to the ONNX graph.</para>
/// </remarks>
public static class VirgoInitializer
{
    /// <summary>Computes Virgo's per-layer variances for <paramref name="layers"/> layers of width <paramref name="width"/>.</summary>
    /// <param name="graphs">The training graphs (their node types/attributes give the forward signal s).</param>
    /// <param name="schema">Feature widths (the one-hot node-type width enters s).</param>
    /// <param name="width">m, the hidden width.</param>
    /// <param name="layers">L, the number of message-passing layers.</param>
    public static VirgoVariances Variances(IReadOnlyList<Graph> graphs, GraphSchema schema, int width, int layers)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        var c = new double[layers + 1];
        var d = new double[layers + 1];
        foreach (Graph g in graphs)
        {
            Accumulate(g, Signal(g, schema), c);
            Accumulate(g, Enumerable.Repeat(1.0, g.NodeCount).ToArray(), d);
        }

        if (graphs.Count == 0 || c[0] <= 0 || d[0] <= 0)
        {
            Array.Fill(c, 1.0);
            Array.Fill(d, 1.0);
        }

        double he = 2.0 / width;
        var forward = new double[layers];
        var backward = new double[layers];
        var combined = new double[layers];
        for (int l = 0; l < layers; l++)
        {
            forward[l] = he * Ratio(c[l], c[l + 1]);
            backward[l] = he * Ratio(d[layers - 1 - l], d[layers - l]);
            combined[l] = 2 * forward[l] * backward[l] / (forward[l] + backward[l]);
        }

        return new VirgoVariances(forward, backward, combined, c, d);
    }

    /// <summary>Redraws the first Linear of every GINE layer with Virgo's variance and the second with He's (see remarks).</summary>
    internal static void Apply(ParameterStore p, GraphModelDefinition definition, IReadOnlyList<Graph>? graphs)
    {
        GineOptions o = definition.Backbone;
        VirgoVariances v = Variances(graphs ?? [], definition.Schema, o.HiddenSize, o.Layers);
        var rng = new Random(unchecked((o.Seed * 7919) + 17));
        for (int l = 0; l < o.Layers; l++)
        {
            p.Set($"gine.{l}.w0", Uniform(rng, o.HiddenSize * o.HiddenSize, v.Combined[l]));
            p.Set($"gine.{l}.w1", Uniform(rng, o.HiddenSize * o.HiddenSize, 2.0 / o.HiddenSize));
        }
    }

    private static float[] Uniform(Random rng, int count, double variance)
    {
        double bound = Math.Sqrt(3 * variance);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
        }

        return data;
    }

    private static double Ratio(double before, double after) => after > 0 ? before / after : 1;

    // s_v: the mean of node v's input feature vector (one-hot type, then attributes)
    private static double[] Signal(Graph g, GraphSchema schema)
    {
        var s = new double[g.NodeCount];
        int a = g.NodeAttributeWidth;
        for (int v = 0; v < g.NodeCount; v++)
        {
            double sum = schema.NodeTypeCount > 0 ? 1 : 0;
            for (int k = 0; k < a; k++)
            {
                sum += g.NodeAttributes![(v * a) + k];
            }

            s[v] = sum / Math.Max(1, schema.NodeFeatureWidth);
        }

        return s;
    }

    // norms[k] += ‖Pᵏ x‖², P = I + A over the graph's distinct undirected non-loop edges (as the dense batch builds A)
    private static void Accumulate(Graph g, double[] x, double[] norms)
    {
        var edges = new HashSet<(int, int)>();
        for (int e = 0; e < g.EdgeCount; e++)
        {
            int u = g.EdgeSources[e], w = g.EdgeTargets[e];
            if (u != w)
            {
                edges.Add((Math.Min(u, w), Math.Max(u, w)));
            }
        }

        double[] cur = x;
        for (int k = 0; k < norms.Length; k++)
        {
            norms[k] += cur.Sum(t => t * t);
            var next = (double[])cur.Clone();
            foreach ((int u, int w) in edges)
            {
                next[u] += cur[w];
                next[w] += cur[u];
            }

            cur = next;
        }
    }
}
