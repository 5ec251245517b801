using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// The graph rewrite behind <see cref="FrozenWeightPrecision.Int8"/>: MatMuls of the train step that multiply by a frozen
/// float matrix <c>W [K, N]</c> (forward <c>X·W</c>) or by its transpose (backward <c>G·Transpose(W)</c>, or a Gemm with
/// <c>transB</c> for rank-2 operands) run on int8
/// weights and dynamically quantized uint8 activations. The emitted pattern <c>DynamicQuantizeLinear → MatMulInteger →
/// Cast → Mul(s_X·s_W)</c> is plain ONNX; ONNX Runtime fuses it into <c>DynamicQuantizeMatMul</c>. The float matrix and
/// its Transpose leave the graph once nothing else reads them.
/// </summary>
internal static class FrozenWeightQuantization
{
    /// <summary>Matrices smaller than this stay float (the quantize/rescale overhead outweighs the product).</summary>
    public const long MinElements = 4096;

    /// <summary>Rewrites <paramref name="graph"/> in place; returns how many MatMuls now run on int8 weights.</summary>
    /// <param name="graph">The train-step graph.</param>
    /// <param name="trainables">Names of the trained parameters (never quantized).</param>
    public static int Apply(OnnxGraph graph, IReadOnlySet<string> trainables)
    {
        Dictionary<string, OnnxTensor> inits = graph.InitializerMap();
        Dictionary<string, OnnxNode> producers = graph.ProducerMap();
        var b = new GraphBuilder(graph);
        var quantized = new Dictionary<(string Name, bool Transposed), (string Weight, string Scale)>();
        var replaced = new HashSet<OnnxNode>();
        foreach (OnnxNode node in graph.Nodes.ToList())
        {
            if (node.Domain.Length != 0 || Candidate(node, inits, producers, trainables) is not { } source)
            {
                continue;
            }

            if (!quantized.TryGetValue(source, out (string Weight, string Scale) q))
            {
                q = Quantize(b, inits[source.Name], source.Transposed);
                quantized[source] = q;
            }

            // Y = (X_q − z_X)·W_q · (s_X·s_W): the int32 product rescaled per output column
            string[] dq = b.Node("DynamicQuantizeLinear", [node.Inputs[0]], 3);
            string product = b.Op("MatMulInteger", dq[0], q.Weight, dq[2]);
            string asFloat = b.Op("Cast", [product], OnnxAttribute.Int("to", (long)TensorElementType.Float));
            // the replaced node's output keeps its name (its consumers read it); the builder would refuse a taken name
            graph.Nodes.Add(new OnnxNode("Mul", [asFloat, b.Op("Mul", dq[1], q.Scale)], [node.Outputs[0]], b.UniqueName(node.Name + ".int8")));
            replaced.Add(node);
        }

        graph.Nodes.RemoveAll(replaced.Contains);
        RemoveDeadTransposes(graph, quantized.Keys.Where(k => k.Transposed).Select(k => k.Name));
        var dropped = new HashSet<string>(quantized.Keys.Select(k => k.Name), StringComparer.Ordinal);
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        used.UnionWith(graph.Outputs.Select(o => o.Name));
        dropped.ExceptWith(used);
        graph.Initializers.RemoveAll(t => dropped.Contains(t.Name));
        graph.Inputs.RemoveAll(v => dropped.Contains(v.Name));
        return replaced.Count;
    }

    /// <summary>
    /// Symmetric per-column int8 of <c>W</c> (or of <c>Wᵀ</c>): s_n = max_k |W[k, n]| / 127, q = round(W / s_n) in
    /// [−127, 127], zero point 0.
    /// </summary>
    internal static (string Weight, string Scale) Quantize(GraphBuilder b, OnnxTensor w, bool transposed)
    {
        int rows = checked((int)w.Dims[0]);
        int cols = checked((int)w.Dims[1]);
        float[] src = w.ToArray<float>();
        // the quantized matrix is [K, N] = W, or Wᵀ [cols, rows] for the backward product
        int k = transposed ? cols : rows;
        int n = transposed ? rows : cols;
        float At(int i, int j) => transposed ? src[(j * cols) + i] : src[(i * cols) + j];
        float[] scale = new float[n];
        byte[] q = new byte[k * n];
        for (int j = 0; j < n; j++)
        {
            float max = 0;
            for (int i = 0; i < k; i++)
            {
                max = Math.Max(max, Math.Abs(At(i, j)));
            }

            float s = max > 0 ? max / 127f : 1f;
            scale[j] = s;
            for (int i = 0; i < k; i++)
            {
                q[(i * n) + j] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(At(i, j) / s), -127f, 127f));
            }
        }

        string suffix = transposed ? ".int8_t" : ".int8";
        string weight = b.Initializer(new OnnxTensor(b.UniqueName(w.Name + suffix), TensorElementType.Int8, [k, n], q));
        string scales = b.Initializer(OnnxTensor.FromFloats(b.UniqueName(w.Name + suffix + "_scale"), scale, n));
        return (weight, scales);
    }

    // MatMul(X, W), MatMul(X, Transpose(W)), or a plain Gemm(X, W) / Gemm(X, W, transB=1) (no C, no transA, α = 1)
    private static (string Name, bool Transposed)? Candidate(OnnxNode node, Dictionary<string, OnnxTensor> inits, Dictionary<string, OnnxNode> producers, IReadOnlySet<string> trainables)
    {
        if (node.OpType == "MatMul")
        {
            return Frozen(node.Inputs[1], inits, producers, trainables);
        }

        bool plainGemm = node.OpType == "Gemm" && node.Inputs.Count == 2 && node.IntAttribute("transA", 0) == 0 && node.FloatAttribute("alpha", 1f) == 1f;
        if (plainGemm && IsFrozenMatrix(node.Inputs[1], inits, trainables))
        {
            return (node.Inputs[1], node.IntAttribute("transB", 0) == 1);
        }

        return null;
    }

    private static (string Name, bool Transposed)? Frozen(string value, Dictionary<string, OnnxTensor> inits, Dictionary<string, OnnxNode> producers, IReadOnlySet<string> trainables)
    {
        if (IsFrozenMatrix(value, inits, trainables))
        {
            return (value, false);
        }

        if (producers.TryGetValue(value, out OnnxNode? p) && p.OpType == "Transpose" && p.Domain.Length == 0
            && IsFrozenMatrix(p.Inputs[0], inits, trainables) && (p.IntsAttribute("perm") is null or [1, 0]))
        {
            return (p.Inputs[0], true);
        }

        return null;
    }

    private static bool IsFrozenMatrix(string name, Dictionary<string, OnnxTensor> inits, IReadOnlySet<string> trainables) =>
        !trainables.Contains(name) && inits.TryGetValue(name, out OnnxTensor? t)
        && t.ElementType == TensorElementType.Float && t.Dims.Length == 2 && t.ElementCount >= MinElements;

    private static void RemoveDeadTransposes(OnnxGraph graph, IEnumerable<string> sources)
    {
        var names = new HashSet<string>(sources, StringComparer.Ordinal);
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        used.UnionWith(graph.Outputs.Select(o => o.Name));
        graph.Nodes.RemoveAll(n => n.OpType == "Transpose" && names.Contains(n.Inputs[0]) && !used.Contains(n.Outputs[0]));
    }
}
