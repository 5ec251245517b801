using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs.MLNet;

/// <summary>What the ML.NET-facing model predicts.</summary>
public enum GraphPredictionKind
{
    /// <summary>One value: <c>Score</c>.</summary>
    Regression,

    /// <summary>Two classes: <c>Score</c> (logit margin z₁ − z₀), <c>Probability</c> (σ of it), <c>PredictedLabel</c>.</summary>
    BinaryClassification,

    /// <summary>C classes: <c>Score</c> (softmax probabilities) and <c>PredictedLabel</c> (a key).</summary>
    MulticlassClassification,
}

/// <summary>
/// Builds the ONNX model the ML.NET chain runs for one graph (B = 1): a prelude that turns the configuration-free row
/// tensors of <see cref="GraphRowTensors"/> into the padded batch inputs of <see cref="GraphModelBuilder"/> (one-hot node
/// and edge types, adjacency, masks; the first K eigenpairs zero-padded to K; RWSE as <c>diag(Pᵗ)</c>, <c>P = D⁻¹A</c>), then
/// the learned part (GINE, and SPE's φ/ρ) with the trained parameters as initializers, then the ML.NET outputs.
/// </summary>
internal static class GraphScoringModel
{
    /// <summary>Whether the model reads the spectrum columns.</summary>
    public static bool NeedsSpectrum(GraphEncoding encoding) => encoding is LapPeEncoding or SpeEncoding;

    /// <summary>The ONNX inputs (= ML.NET columns) the model reads.</summary>
    public static string[] Inputs(GraphModelDefinition definition) => Inputs(definition.Schema, definition.Encoding);

    /// <summary>The ONNX inputs of a model over <paramref name="schema"/> (<see langword="null"/>: encoding only) and <paramref name="encoding"/>.</summary>
    public static string[] Inputs(GraphSchema? schema, GraphEncoding encoding)
    {
        var inputs = new List<string> { GraphScoringColumns.NodeTypes, GraphScoringColumns.EdgeTypes };
        if (schema?.NodeAttributeWidth > 0)
        {
            inputs.Add(GraphScoringColumns.NodeAttributes);
        }

        if (encoding is SpeEncoding)
        {
            inputs.Add(GraphScoringColumns.Components);
        }

        if (NeedsSpectrum(encoding))
        {
            inputs.Add(GraphScoringColumns.Eigenvalues);
            inputs.Add(GraphScoringColumns.Eigenvectors);
        }

        return [.. inputs];
    }

    /// <summary>The ONNX outputs (= ML.NET columns before unwrapping) for <paramref name="kind"/>.</summary>
    public static string[] Outputs(GraphPredictionKind kind) => kind switch
    {
        GraphPredictionKind.Regression => [GraphScoringColumns.ScoreVector],
        GraphPredictionKind.BinaryClassification => [GraphScoringColumns.ScoreVector, GraphScoringColumns.ProbabilityVector],
        _ => [GraphScoringColumns.ScoreVector, GraphScoringColumns.PredictedKeyVector],
    };

    /// <summary>Builds the scoring model of <paramref name="model"/>.</summary>
    public static OnnxModel Build(GraphModel model, GraphPredictionKind kind)
    {
        ArgumentNullException.ThrowIfNull(model);
        GraphModelDefinition def = model.Definition;

        // One graph per row (B = 1): the prelude feeds the dense layout, which pads nothing here; same parameters, same function.
        OnnxModel onnx = new GraphModel(def with { Backbone = def.Backbone with { MessagePassing = GraphMessagePassing.Dense } }, model.Backbone, model.Spe, model.NodeTypeKeys).ToOnnx();
        OnnxGraph g = onnx.Graph;
        var batchInputs = g.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        g.Inputs.Clear();
        g.Outputs.Clear();
        var b = new GraphBuilder(g);
        const TensorElementType F = TensorElementType.Float;
        foreach (string input in Inputs(def))
        {
            b.Input(input, F, "batch", input + "_length");
        }

        var produced = new Dictionary<string, string>(StringComparer.Ordinal);
        Prelude(b, def.Schema, def.Encoding, produced);
        foreach (string name in batchInputs)
        {
            string value = produced.TryGetValue(name, out string? v)
                ? v
                : throw new InvalidOperationException($"The scoring prelude does not produce graph-model input '{name}'.");
            g.Nodes.Add(new OnnxNode("Identity", [value], [name], b.UniqueName(name + "_from_row")));
        }

        string y = GraphTensorNames.Prediction; // (1, O)
        switch (kind)
        {
            case GraphPredictionKind.Regression:
                b.Output(y, GraphScoringColumns.ScoreVector, TensorType.Of(F, 1, 1));
                break;
            case GraphPredictionKind.BinaryClassification:
                string margin = b.Op("Sub", Column(b, y, 1), Column(b, y, 0)); // z₁ − z₀, (1,1)
                b.Output(margin, GraphScoringColumns.ScoreVector, TensorType.Of(F, 1, 1));
                b.Output(b.Op("Sigmoid", margin), GraphScoringColumns.ProbabilityVector, TensorType.Of(F, 1, 1));
                break;
            default:
                int c = def.Schema.OutputCount;
                b.Output(b.Op("Softmax", [y], OnnxAttribute.Int("axis", 1)), GraphScoringColumns.ScoreVector, TensorType.Of(F, 1, c));
                string arg = b.Op("ArgMax", [y], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0)); // (1) int64
                string key = b.Op("Cast", [b.Op("Add", arg, b.Int64s("one_i64", 1))], OnnxAttribute.Int("to", (long)TensorElementType.UInt32));
                b.Output(key, GraphScoringColumns.PredictedKeyVector, TensorType.Of(TensorElementType.UInt32, 1));
                break;
        }

        GraphTopology.Sort(g);
        return onnx;
    }

    private static string Column(GraphBuilder b, string y, long c) =>
        b.Op("Slice", y, b.Int64s("col_start", c), b.Int64s("col_end", c + 1), b.Int64s("axis_1", 1));

    /// <summary>
    /// Adds the nodes that compute the batch inputs of <see cref="GraphModelBuilder"/> (with a <paramref name="schema"/>)
    /// or only those of the encoding (without) from the row inputs; <paramref name="produced"/> maps each batch-input
    /// name to the value that holds it.
    /// </summary>
    internal static void Prelude(GraphBuilder b, GraphSchema? schema, GraphEncoding encoding, Dictionary<string, string> produced)
    {
        const TensorElementType F = TensorElementType.Float;
        string types = GraphScoringColumns.NodeTypes; // (1,n)
        string n = b.Op("Gather", [b.Op("Shape", types), b.Int64s("index_1", 1)], OnnxAttribute.Int("axis", 0)); // [n]
        string one64 = b.Int64s("dim_1", 1);
        string zeroF = b.Scalar(0f, "zero");
        string oneF = b.Scalar(1f, "one_f");

        string nn = b.Op("Concat", [one64, n, n], OnnxAttribute.Int("axis", 0));
        string e = b.Op("Reshape", GraphScoringColumns.EdgeTypes, nn); // (1,n,n): edge type + 1, 0 = no edge
        if (schema is not null)
        {
            // Node features: one-hot types (1,n,T) ++ attributes (1,n,a). A type outside [0, T) gets no type feature.
            string onehot = OneHot(b, b.Op("Unsqueeze", types, b.Int64s("axis_2", 2)), 0, schema.NodeTypeCount);
            if (schema.NodeAttributeWidth > 0)
            {
                string shape = b.Op("Concat", [one64, n, b.Int64s("attr_width", schema.NodeAttributeWidth)], OnnxAttribute.Int("axis", 0));
                string attrs = b.Op("Reshape", GraphScoringColumns.NodeAttributes, shape);
                onehot = b.Op("Concat", [onehot, attrs], OnnxAttribute.Int("axis", 2));
            }

            produced[GraphTensorNames.NodeFeatures] = onehot;
            produced[GraphTensorNames.EdgeFeatures] = OneHot(b, b.Op("Unsqueeze", e, b.Int64s("axis_3", 3)), 1, Math.Max(1, schema.EdgeTypeCount));
        }

        string adjacency = b.Op("Cast", [b.Op("Greater", e, zeroF)], OnnxAttribute.Int("to", (long)F));
        produced[SpeTensorNames.Adjacency] = adjacency;
        string nodeMask = b.Op("Add", b.Op("Mul", types, zeroF), oneF); // (1,n) ones
        produced[SpeTensorNames.NodeMask] = nodeMask;

        switch (encoding)
        {
            case LapPeEncoding lap:
                produced[GraphTensorNames.FixedEncoding] = FirstEigenvectors(b, n, nn, lap.K, KeptCount(b, n, lap.SpectrumOptions));
                break;
            case RwseEncoding rw:
                produced[GraphTensorNames.FixedEncoding] = ReturnProbabilities(b, adjacency, rw.Steps);
                break;
            case SpeEncoding spe:
                string d = KeptCount(b, n, spe.SpectrumOptions);
                produced[SpeTensorNames.Eigenvectors] = FirstEigenvectors(b, n, nn, spe.K, d);
                string k = b.Op("Max", b.Int64s("k", spe.K), d);
                string pads = b.Op("Concat", [b.Int64s("pad_0", 0, 0, 0), b.Op("Sub", k, d)], OnnxAttribute.Int("axis", 0));
                string lam = b.Op("Slice", GraphScoringColumns.Eigenvalues, b.Int64s("start_0", 0), d, b.Int64s("axis_1", 1)); // (1,d)
                produced[SpeTensorNames.Eigenvalues] = b.Op("Pad", lam, pads);
                produced[SpeTensorNames.EigenvalueMask] = b.Op("Pad", b.Op("Add", b.Op("Mul", lam, zeroF), oneF), pads);
                string comp = GraphScoringColumns.Components;
                string same = spe.SpeOptions.ColumnScope == SpeColumnScope.SameComponent
                    ? b.Op("Equal", b.Op("Unsqueeze", comp, b.Int64s("axis_2", 2)), b.Op("Unsqueeze", comp, b.Int64s("axis_1", 1)))
                    : b.Op("Equal", b.Op("Unsqueeze", nodeMask, b.Int64s("axis_2", 2)), b.Op("Unsqueeze", nodeMask, b.Int64s("axis_1", 1)));
                produced[SpeTensorNames.ColumnMask] = b.Op("Cast", [same], OnnxAttribute.Int("to", (long)F)); // (1,n_j,n_i)
                break;
            default:
                break;
        }
    }

    /// <summary><c>[x == first + t]</c> for <c>t ∈ [0, count)</c> along a new last axis, as float.</summary>
    private static string OneHot(GraphBuilder b, string x, int first, int count)
    {
        float[] range = Enumerable.Range(first, count).Select(i => (float)i).ToArray();
        string r = b.Initializer(OnnxTensor.FromFloats("one_hot_range", range, count));
        return b.Op("Cast", [b.Op("Equal", x, r)], OnnxAttribute.Int("to", (long)TensorElementType.Float));
    }

    /// <summary>
    /// The kept eigenpair count <c>d</c> (<c>[1]</c> int64) that <see cref="LaplacianSpectrum.ChooseCount"/> gives, from
    /// the row's ascending eigenvalues <c>(1, n)</c>: <c>min(n, k)</c> (fixed); the largest <c>d ≤ min(n, k)</c> with
    /// <c>λ_{d+1} − λ_d</c> above the tolerance (eigengap; <c>λ_{n+1}</c> taken as +∞); <c>n</c> up to the full-spectrum
    /// node limit, the eigengap rule above it (full).
    /// </summary>
    private static string KeptCount(GraphBuilder b, string n, SpectrumOptions o)
    {
        string kk = b.Op("Min", n, b.Int64s("k_cap", o.K));
        if (o.Truncation == SpectrumTruncation.Fixed)
        {
            return kk;
        }

        string beyond = b.Initializer(OnnxTensor.FromFloats("lambda_beyond", [float.MaxValue], 1, 1));
        string lam = b.Op("Concat", [GraphScoringColumns.Eigenvalues, beyond], OnnxAttribute.Int("axis", 1)); // (1,n+1)
        string lo = b.Op("Slice", lam, b.Int64s("start_0", 0), kk, b.Int64s("axis_1", 1));
        string hi = b.Op("Slice", lam, b.Int64s("start_1", 1), b.Op("Add", kk, b.Int64s("one_i64", 1)), b.Int64s("axis_1", 1));
        string open = b.Op("Cast", [b.Op("Greater", b.Op("Sub", hi, lo), b.Scalar((float)o.DegeneracyTolerance, "degeneracy_tolerance"))], OnnxAttribute.Int("to", (long)TensorElementType.Float));
        float[] positions = Enumerable.Range(1, o.K).Select(i => (float)i).ToArray();
        string index = b.Op("Slice", b.Initializer(OnnxTensor.FromFloats("cut_positions", positions, 1, o.K)), b.Int64s("start_0", 0), kk, b.Int64s("axis_1", 1));
        string best = b.Op("ReduceMax", [b.Op("Mul", open, index)], OnnxAttribute.Int("keepdims", 1)); // (1,1)
        string gap = b.Op("Reshape", b.Op("Cast", [best], OnnxAttribute.Int("to", (long)TensorElementType.Int64)), b.Int64s("dim_1", 1));
        return o.Truncation == SpectrumTruncation.Full
            ? b.Op("Where", b.Op("LessOrEqual", n, b.Int64s("full_node_limit", o.FullNodeLimit)), n, gap)
            : gap;
    }

    /// <summary>V[:, :d] zero-padded to <c>(1, n, max(K, d))</c>.</summary>
    private static string FirstEigenvectors(GraphBuilder b, string n, string nn, int kValue, string d)
    {
        string v = b.Op("Reshape", GraphScoringColumns.Eigenvectors, nn); // (1,n,n)
        string k = b.Op("Max", b.Int64s("k", kValue), d);
        string sliced = b.Op("Slice", v, b.Int64s("start_0", 0), d, b.Int64s("axis_2", 2));
        string pads = b.Op("Concat", [b.Int64s("pad_00000", 0, 0, 0, 0, 0), b.Op("Sub", k, d)], OnnxAttribute.Int("axis", 0));
        return b.Op("Pad", sliced, pads);
    }

    /// <summary>RWSE: <c>[diag(Pᵗ)]_{t=1..steps}</c> with <c>P = D⁻¹A</c> (rows of isolated nodes stay zero), <c>(1, n, steps)</c>.</summary>
    private static string ReturnProbabilities(GraphBuilder b, string adjacency, int steps)
    {
        string degree = b.Op("ReduceSum", [adjacency, b.Int64s("axis_2", 2)], OnnxAttribute.Int("keepdims", 1)); // (1,n,1)
        string p = b.Op("Div", adjacency, b.Op("Max", degree, b.Scalar(1f, "one_f")));
        string eye = b.Op("EyeLike", b.Op("Squeeze", adjacency, b.Int64s("axis_0", 0))); // (n,n)
        var diagonals = new string[steps];
        string m = p;
        for (int t = 0; t < steps; t++)
        {
            if (t > 0)
            {
                m = b.Op("MatMul", m, p);
            }

            diagonals[t] = b.Op("ReduceSum", [b.Op("Mul", m, eye), b.Int64s("axis_2", 2)], OnnxAttribute.Int("keepdims", 1)); // (1,n,1)
        }

        return steps == 1 ? diagonals[0] : b.Op("Concat", diagonals, OnnxAttribute.Int("axis", 2));
    }
}
