using Pipelines.Numerics.Graphs;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>
/// The configuration-free tensors of one graph that the scoring ONNX model reads (one row, <c>n</c> nodes). Everything
/// that depends on a model's settings (type counts, K, RWSE steps, column scope) happens inside the ONNX model, so the
/// ML.NET mapping that produces these needs no state and survives <c>mlContext.Model.Save</c>/<c>Load</c>.
/// </summary>
/// <param name="NodeTypes">Node type index per node (0 when the graph has none), length <c>n</c>.</param>
/// <param name="NodeAttributes">Row-major <c>(n, a)</c> node attributes (empty when the graph has none).</param>
/// <param name="EdgeTypes">Row-major <c>(n, n)</c>: <c>type + 1</c> where an edge joins i and j (both directions), 0 elsewhere; self-loops dropped.</param>
/// <param name="Components">Connected-component index per node, length <c>n</c>.</param>
/// <param name="Eigenvalues">All <c>n</c> eigenvalues of <c>L = I − D^{-1/2} A D^{-1/2}</c>, ascending (empty without a spectrum).</param>
/// <param name="Eigenvectors">Row-major <c>(n, n)</c> eigenvectors, column j for λ_j, LapPE's canonical sign (empty without a spectrum).</param>
internal sealed record GraphRowTensors(float[] NodeTypes, float[] NodeAttributes, float[] EdgeTypes, float[] Components, float[] Eigenvalues, float[] Eigenvectors)
{
    /// <summary>The spectrum options of the scoring path: the whole spectrum from the dense float64 solver.</summary>
    public static SpectrumOptions FullSpectrum(int n) => new(K: Math.Max(1, n), Solver: EigensolverKind.Dense, Truncation: SpectrumTruncation.Fixed);

    /// <summary>Computes the row tensors of <paramref name="graph"/>; <paramref name="withSpectrum"/> adds the full eigendecomposition.</summary>
    /// <exception cref="InvalidDataException">The graph has no nodes.</exception>
    public static GraphRowTensors Compute(Graph graph, bool withSpectrum)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.NodeCount;
        if (n == 0)
        {
            throw new InvalidDataException($"Graph '{graph.Id ?? "(no id)"}' has no nodes; a GINE model needs at least one.");
        }

        var types = new float[n];
        for (int i = 0; i < n; i++)
        {
            types[i] = graph.NodeTypes?[i] ?? 0;
        }

        var edges = new float[n * n];
        for (int e = 0; e < graph.EdgeCount; e++)
        {
            int u = graph.EdgeSources[e];
            int v = graph.EdgeTargets[e];
            if (u != v)
            {
                float t = (graph.EdgeTypes?[e] ?? 0) + 1;
                edges[(u * n) + v] = t;
                edges[(v * n) + u] = t;
            }
        }

        GraphStructure structure = graph.ToStructure();
        int[] comp = structure.ConnectedComponents(out _);
        float[] values = [];
        float[] vectors = [];
        if (withSpectrum)
        {
            Spectrum s = LaplacianSpectrum.Compute(structure, FullSpectrum(n));
            double[] v = (double[])s.Vectors.Clone();
            LaplacianEigenvectorEncoding.CanonicalizeSigns(v, n, s.Count);
            values = Array.ConvertAll(s.Values, x => (float)x);
            vectors = Array.ConvertAll(v, x => (float)x);
        }

        return new GraphRowTensors(types, graph.NodeAttributes ?? [], edges, Array.ConvertAll(comp, c => (float)c), values, vectors);
    }
}
